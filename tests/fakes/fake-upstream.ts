/**
 * @module A scripted HTTP upstream for provider tests: each test queues the exact responses
 * (JSON, SSE streams event by event, errors, hangs, broken frames) that a real provider sends,
 * and reads back the requests the gateway's SDK calls made.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Scripted =
  | { kind: "json"; status?: number; headers?: Record<string, string>; body: unknown }
  | { kind: "sse"; events: SseEvent[]; delayMs?: number; headers?: Record<string, string>; endAbruptly?: boolean }
  | { kind: "raw"; status: number; headers?: Record<string, string>; body: string }
  | { kind: "hang" };

export interface SseEvent {
  event?: string;
  /** A value is JSON-encoded; a string is sent as is (to send broken JSON, or [DONE]). */
  data: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface FakeUpstream {
  url: string;
  requests: RecordedRequest[];
  /** Responses served in order; when empty, `fallback` answers. */
  enqueue(...responses: Scripted[]): void;
  setFallback(response: (req: RecordedRequest) => Scripted): void;
  /** Responses whose connection closed before they were sent in full (the client went away). */
  closedEarly(): number;
  stop(): Promise<void>;
}

export async function startFakeUpstream(fallback: (req: RecordedRequest) => Scripted): Promise<FakeUpstream> {
  const queue: Scripted[] = [];
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  let closedEarly = 0;
  let answer = fallback;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { _unparsed: text };
    }
    const recorded: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
    requests.push(recorded);
    open.add(res);
    res.on("close", () => {
      open.delete(res);
      if (!res.writableFinished) closedEarly += 1;
    });
    await respond(res, queue.shift() ?? answer(recorded));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...r) => queue.push(...r),
    setFallback: (f) => {
      answer = f;
    },
    closedEarly: () => closedEarly,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

async function respond(res: ServerResponse, r: Scripted): Promise<void> {
  switch (r.kind) {
    case "json":
      res.writeHead(r.status ?? 200, { "content-type": "application/json", ...r.headers });
      res.end(JSON.stringify(r.body));
      return;
    case "raw":
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers });
      res.end(r.body);
      return;
    case "hang":
      return; // never answers; the client's timeout must fire
    case "sse": {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...r.headers });
      for (const e of r.events) {
        if (res.destroyed) return;
        const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
        res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${data}\n\n`);
        if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
      }
      if (r.endAbruptly) {
        // Let the frames written so far reach the client, then cut the connection.
        await new Promise((resolve) => setTimeout(resolve, 20));
        res.destroy();
      }
      else res.end();
      return;
    }
  }
}
