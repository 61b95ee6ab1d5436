/** @module One streamed chat completion against a gateway over HTTP, measured from the client's side. */
import { performance } from "node:perf_hooks";
import type { BenchRequest, RunResult } from "./run-result.ts";
import { readChatSse } from "./sse.ts";

export async function runGateway(baseUrl: string, model: string, request: BenchRequest): Promise<RunResult> {
  const body = JSON.stringify({
    model,
    messages: request.messages,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    seed: request.seed,
    stream: true,
    stream_options: { include_usage: true },
  });
  // Taken before fetch so TTFT includes everything a client pays: connect, headers, dispatch.
  const start = performance.now();
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (!res.ok || !res.body) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
  const r = await readChatSse(res.body);
  return {
    ttftMs: r.firstContentAt - start,
    pieces: r.contentChunks,
    decodeMs: r.lastContentAt - r.firstContentAt,
    totalMs: r.doneAt - start,
    completionTokens: r.completionTokens ?? Number.NaN,
    finishReason: r.finishReason ?? "none",
    text: r.text,
  };
}
