/**
 * @module OpenAI chat completions on the wire, as the API reference shows them: a completion
 * body, a streamed reply chunk by chunk (with the usage chunk of include_usage), streamed
 * tool calls, error bodies, and embeddings (float arrays, or base64 of little-endian float32).
 */
import type { RecordedRequest, Scripted, SseEvent } from "./fake-upstream.ts";

const base = (model: string) => ({ id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", created: 1741570283, model, system_fingerprint: "fp_44709d6fcb" });

export function openaiCompletion(model: string, content: string, usage = { prompt_tokens: 9, completion_tokens: 12 }): Scripted {
  return {
    kind: "json",
    body: {
      ...base(model),
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      service_tier: "default",
    },
  };
}

const chunk = (model: string, delta: Record<string, unknown>, finish: string | null) => ({
  data: { ...base(model), object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
});

export function openaiStreamEvents(model: string, pieces: string[], opts: { usage?: boolean; finish?: string } = {}): SseEvent[] {
  return [
    chunk(model, { role: "assistant", content: "", refusal: null }, null),
    ...pieces.map((p) => chunk(model, { content: p }, null)),
    chunk(model, {}, opts.finish ?? "stop"),
    ...(opts.usage === false
      ? []
      : [{ data: { ...base(model), object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 9, completion_tokens: pieces.length, total_tokens: 9 + pieces.length } } }]),
    { data: "[DONE]" },
  ];
}

export const openaiStream = (model: string, pieces: string[], opts: { usage?: boolean; delayMs?: number } = {}): Scripted => ({
  kind: "sse",
  events: openaiStreamEvents(model, pieces, opts),
  ...(opts.delayMs ? { delayMs: opts.delayMs } : {}),
});

/** A streamed tool call: id and name first, then the arguments in fragments. */
export function openaiToolCallStream(model: string, name: string, argFragments: string[]): Scripted {
  return {
    kind: "sse",
    events: [
      chunk(model, { role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name, arguments: "" } }], refusal: null }, null),
      ...argFragments.map((a) => chunk(model, { tool_calls: [{ index: 0, function: { arguments: a } }] }, null)),
      chunk(model, {}, "tool_calls"),
      { data: { ...base(model), object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 81, completion_tokens: 15, total_tokens: 96 } } },
      { data: "[DONE]" },
    ],
  };
}

export function openaiToolCallCompletion(model: string, name: string, args: string): Scripted {
  return {
    kind: "json",
    body: {
      ...base(model),
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, tool_calls: [{ id: "call_abc123", type: "function", function: { name, arguments: args } }], refusal: null },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 },
    },
  };
}

export function openaiError(status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): Scripted {
  return { kind: "json", status, headers, body: { error: { message, type, param: null, code } } };
}

/** A vector the fake upstream gives an input: the same input always gets the same vector. */
export function fakeVector(input: unknown, dimensions: number): Float32Array {
  let h = 2166136261;
  for (const ch of JSON.stringify(input)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const v = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    v[i] = (h / 0xffffffff) * 2 - 1;
  }
  return v;
}

/** OpenAI's embeddings reply: a list of embedding objects, each a float array or base64 of its little-endian float32 bytes. */
export function openaiEmbeddings(model: string, vectors: Float32Array[], opts: { base64: boolean; promptTokens: number }): Scripted {
  return {
    kind: "json",
    body: {
      object: "list",
      data: vectors.map((v, index) => ({
        object: "embedding",
        index,
        embedding: opts.base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : Array.from(v),
      })),
      model,
      usage: { prompt_tokens: opts.promptTokens, total_tokens: opts.promptTokens },
    },
  };
}

/** What OpenAI answers a recorded embeddings request: one fakeVector per input (1536 long, or `dimensions`), in the format asked, ~4 characters a token. */
export function openaiEmbeddingsFor(req: RecordedRequest): Scripted {
  const body = req.body as { model?: string; input?: unknown; encoding_format?: string; dimensions?: number };
  const raw = body.input;
  const inputs: unknown[] = typeof raw === "string" || (Array.isArray(raw) && typeof raw[0] === "number") ? [raw] : Array.isArray(raw) ? raw : [];
  const tokens = inputs.reduce<number>((n, x) => n + (typeof x === "string" ? Math.ceil(x.length / 4) : Array.isArray(x) ? x.length : 0), 0);
  return openaiEmbeddings(
    String(body.model),
    inputs.map((x) => fakeVector(x, body.dimensions ?? 1536)),
    { base64: body.encoding_format === "base64", promptTokens: tokens },
  );
}
