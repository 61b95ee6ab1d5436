/**
 * @module Anthropic's Messages API on the wire, as its reference shows it: a message body,
 * the SSE event sequence (message_start, content_block_*, ping, message_delta, message_stop),
 * streamed tool_use input as partial JSON, and error bodies and events.
 */
import type { Scripted, SseEvent } from "./fake-upstream.ts";

const ID = "msg_01XFDUDYJgAACzvnptvVoYEL";

export function anthropicMessage(model: string, text: string, stopReason = "end_turn", usage = { input_tokens: 12, output_tokens: 6 }): Scripted {
  return {
    kind: "json",
    body: { id: ID, type: "message", role: "assistant", model, content: [{ type: "text", text }], stop_reason: stopReason, stop_sequence: null, usage },
  };
}

export function anthropicToolUseMessage(model: string, name: string, input: unknown): Scripted {
  return {
    kind: "json",
    body: {
      id: ID,
      type: "message",
      role: "assistant",
      model,
      content: [
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name, input },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 300, output_tokens: 40 },
    },
  };
}

const ev = (event: string, data: Record<string, unknown>): SseEvent => ({ event, data: { type: event, ...data } });

export function anthropicStreamEvents(model: string, pieces: string[], stopReason = "end_turn"): SseEvent[] {
  return [
    ev("message_start", {
      message: { id: ID, type: "message", role: "assistant", content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } },
    }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ev("ping", {}),
    ...pieces.map((text) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 15 } }),
    ev("message_stop", {}),
  ];
}

export const anthropicStream = (model: string, pieces: string[], stopReason = "end_turn"): Scripted => ({
  kind: "sse",
  events: anthropicStreamEvents(model, pieces, stopReason),
});

export function anthropicToolUseStream(model: string, name: string, jsonFragments: string[]): Scripted {
  return {
    kind: "sse",
    events: [
      ev("message_start", {
        message: { id: ID, type: "message", role: "assistant", content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 472, output_tokens: 2 } },
      }),
      ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Okay, checking." } }),
      ev("content_block_stop", { index: 0 }),
      ev("content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name, input: {} } }),
      ...jsonFragments.map((partial_json) => ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json } })),
      ev("content_block_stop", { index: 1 }),
      ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 89 } }),
      ev("message_stop", {}),
    ],
  };
}

export function anthropicError(status: number, type: string, message: string, headers: Record<string, string> = {}): Scripted {
  return { kind: "json", status, headers: { "request-id": "req_011CSHoEeqs5C35K2UUqR7Fy", ...headers }, body: { type: "error", error: { type, message } } };
}
