/**
 * @module Correctness of one sample exchange, outside the load: the reply (directly from the
 * fake upstream, or through the gateway) parses as OpenAI's format and carries exactly the
 * fixture's text, finish reason and usage.
 */
import { MODEL, replyText, requestBody } from "./proxy-fixture.ts";
import { readChatSse } from "./sse.ts";

interface CompletionJson {
  object?: string;
  model?: string;
  choices?: Array<{ message?: { role?: string; content?: string | null }; finish_reason?: string | null }>;
  usage?: { completion_tokens?: number };
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** The x-ratelimit-* headers a keyed request gets back (the limiter ran), in short; "" when none. */
function rateLimitHeaders(h: Headers): string {
  const requests = h.get("x-ratelimit-remaining-requests");
  const tokens = h.get("x-ratelimit-remaining-tokens");
  if (requests === null && tokens === null) return "";
  return `x-ratelimit remaining requests ${requests ?? "-"} of ${h.get("x-ratelimit-limit-requests") ?? "-"}, tokens ${tokens ?? "-"} of ${h.get("x-ratelimit-limit-tokens") ?? "-"}`;
}

/**
 * The gateway must turn this request away with a 401 authentication_error (the auth-on gateway,
 * without its key or with a wrong one). Returns the error code.
 */
export async function checkRejected(chatUrl: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(chatUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: requestBody(false) });
  const text = await res.text();
  if (res.status !== 401) throw new Error(`expected 401, got ${res.status}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { error?: { type?: string; code?: string } };
  expect(body.error?.type === "authentication_error", `error type ${body.error?.type}`);
  return `401 ${body.error?.type} ${body.error?.code ?? ""}`.trim();
}

/** Throws naming the first thing that is off; returns a one-line description of what was checked. */
export async function checkSample(chatUrl: string, stream: boolean, pieces: readonly string[], headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(chatUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: requestBody(stream) });
  const provider = res.headers.get("x-switchyard-provider");
  const limits = rateLimitHeaders(res.headers);
  const via = (provider ? `, x-switchyard-provider ${provider}` : "") + (limits ? `, ${limits}` : "");
  if (!res.ok || !res.body) throw new Error(`status ${res.status}: ${await res.text()}`);
  const text = replyText(pieces);
  if (!stream) {
    expect(res.headers.get("content-type")?.startsWith("application/json") === true, `content-type ${res.headers.get("content-type")}`);
    const body = (await res.json()) as CompletionJson;
    const choice = body.choices?.[0];
    expect(body.object === "chat.completion", `object ${body.object}`);
    expect(body.model === MODEL, `model ${body.model}`);
    expect(choice?.message?.role === "assistant", `role ${choice?.message?.role}`);
    expect(choice?.message?.content === text, `content ${JSON.stringify(choice?.message?.content?.slice(0, 60))}... differs from the fixture`);
    expect(choice?.finish_reason === "stop", `finish_reason ${choice?.finish_reason}`);
    expect(body.usage?.completion_tokens === pieces.length, `usage.completion_tokens ${body.usage?.completion_tokens}`);
    return `200 chat.completion, ${text.length} chars of the expected content, finish stop, usage ${pieces.length} tokens${via}`;
  }
  expect(res.headers.get("content-type")?.startsWith("text/event-stream") === true, `content-type ${res.headers.get("content-type")}`);
  const r = await readChatSse(res.body);
  expect(r.contentChunks === pieces.length, `${r.contentChunks} content chunks, expected ${pieces.length}`);
  expect(r.text === text, "streamed text differs from the fixture");
  expect(r.finishReason === "stop", `finish_reason ${r.finishReason}`);
  expect(r.completionTokens === pieces.length, `usage chunk completion_tokens ${r.completionTokens}`);
  return `200 SSE, ${r.contentChunks} content chunks = the expected text, finish stop, usage chunk, [DONE]${via}`;
}
