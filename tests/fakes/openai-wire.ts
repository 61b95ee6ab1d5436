/**
 * @module OpenAI chat completions on the wire, as the API reference shows them: a completion
 * body, a streamed reply chunk by chunk (with the usage chunk of include_usage), streamed
 * tool calls, and error bodies.
 */
import type { Scripted, SseEvent } from "./fake-upstream.ts";

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
