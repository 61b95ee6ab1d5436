/** @module Raw SSE chat streams for pool tests: when each started, which worker took it, and a way to hang up. */

export interface OpenStream {
  status: number;
  worker: string;
  /** performance.now() when the response headers (the worker's `started`) arrived. */
  startedAt: number;
  /** The whole body once it ends (or what came before the client hung up). */
  body: Promise<string>;
  abort(): void;
}

export async function openStream(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ stream: true, ...body }),
    signal: controller.signal,
  });
  const startedAt = performance.now();
  const text = res.text().catch(() => "");
  return { status: res.status, worker: res.headers.get("x-switchyard-worker") ?? "", startedAt, body: text, abort: () => controller.abort() };
}

