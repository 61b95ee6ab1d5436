/**
 * @module `bench:scale`'s client: one streamed chat completion (the gateway's or llama-server's
 * /v1/chat/completions, the same body for both), read with sse.ts and kept as an outcome rather
 * than thrown, because a stream cut short is a result to count, not a reason to stop the bench.
 */
import { performance } from "node:perf_hooks";
import { readChatSse } from "./sse.ts";

export interface ChatSpec {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
}

export interface StreamOutcome {
  /** performance.now() just before fetch. */
  sentAt: number;
  /** x-switchyard-worker: the worker that served it (undefined from llama-server). */
  worker: string | undefined;
  /** Why it failed: an HTTP error, a stream error event, or a stream that ended without [DONE]. */
  error: string | undefined;
  firstAt: number;
  lastAt: number;
  doneAt: number;
  /** completion_tokens from usage; content chunks where the server sends no usage. */
  tokens: number;
  finishReason: string;
}

export const ttftMs = (o: StreamOutcome): number => o.firstAt - o.sentAt;

export function chatBody(s: ChatSpec): string {
  return JSON.stringify({
    model: s.model,
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: s.prompt },
    ],
    max_tokens: s.maxTokens,
    temperature: s.temperature,
    seed: s.seed,
    stream: true,
    stream_options: { include_usage: true },
  });
}

/** Distinct from its first characters on, so no server can serve one prompt from another's cache. */
export const promptFor = (tag: string, n: number): string => `${tag} ${n}: tell me a long story about switch yard ${n} and its trains.`;

export async function streamChat(baseUrl: string, spec: ChatSpec): Promise<StreamOutcome> {
  const body = chatBody(spec);
  const sentAt = performance.now();
  const outcome: StreamOutcome = {
    sentAt,
    worker: undefined,
    error: undefined,
    firstAt: Number.NaN,
    lastAt: Number.NaN,
    doneAt: Number.NaN,
    tokens: 0,
    finishReason: "none",
  };
  try {
    const res = await fetch(`${baseUrl}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
    outcome.worker = res.headers.get("x-switchyard-worker") ?? undefined;
    if (!res.ok || !res.body) {
      outcome.error = `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
      return outcome;
    }
    const r = await readChatSse(res.body);
    outcome.firstAt = r.firstContentAt;
    outcome.lastAt = r.lastContentAt;
    outcome.doneAt = r.doneAt;
    outcome.tokens = r.completionTokens ?? r.contentChunks;
    outcome.finishReason = r.finishReason ?? "none";
  } catch (err) {
    outcome.error = (err as Error).message;
  }
  return outcome;
}

/**
 * `clients` closed loops, each sending its next request as soon as the previous one ended,
 * until `more()` says stop; resolves once every loop's last request has ended.
 */
export async function closedLoops(clients: number, more: () => boolean, send: (client: number, seq: number) => Promise<StreamOutcome>): Promise<StreamOutcome[]> {
  const all: StreamOutcome[] = [];
  let seq = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (more()) all.push(await send(client, seq++));
    }),
  );
  return all;
}

/** Streams that failed, or ended before `maxTokens` (the demo model always runs to max_tokens). */
export function countBad(outcomes: readonly StreamOutcome[], maxTokens: number): { failed: number; short: number; firstError: string | undefined } {
  const failed = outcomes.filter((o) => o.error !== undefined);
  const short = outcomes.filter((o) => o.error === undefined && o.tokens < maxTokens).length;
  return { failed: failed.length, short, firstError: failed[0]?.error };
}
