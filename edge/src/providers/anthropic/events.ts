/** @module Anthropic messages and stream events → ChatEvents (stop reasons mapped to OpenAI's). */
import type Anthropic from "@anthropic-ai/sdk";
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import type { StreamEvent } from "./stream-events.ts";

export function finishReason(stop: string | null | undefined): FinishReason {
  switch (stop) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      // end_turn, stop_sequence, pause_turn
      return "stop";
  }
}

export function* messageEvents(m: Anthropic.Messages.Message): Generator<ChatEvent> {
  let tool = 0;
  for (const block of m.content) {
    if (block.type === "text" && block.text) yield { type: "token", text: block.text, count: 0 };
    else if (block.type === "tool_use") yield { type: "tool_call", index: tool++, id: block.id, name: block.name, arguments: JSON.stringify(block.input) };
  }
  yield { type: "usage", promptTokens: m.usage.input_tokens, completionTokens: m.usage.output_tokens };
  yield { type: "done", finishReason: finishReason(m.stop_reason) };
}

/** Stream state: Anthropic numbers content blocks; OpenAI numbers tool calls. */
export class StreamTranslator {
  #toolIndex = new Map<number, number>();
  #inputTokens = 0;
  #outputTokens = 0;
  #finish: FinishReason = "stop";

  *events(e: StreamEvent): Generator<ChatEvent> {
    switch (e.type) {
      case "message_start":
        this.#inputTokens = e.message.usage.input_tokens;
        this.#outputTokens = e.message.usage.output_tokens;
        return;
      case "content_block_start":
        if (e.content_block.type === "tool_use") {
          const index = this.#toolIndex.size;
          this.#toolIndex.set(e.index, index);
          yield { type: "tool_call", index, id: e.content_block.id ?? `toolu_${index}`, name: e.content_block.name ?? "", arguments: "" };
        }
        return;
      case "content_block_delta":
        if (e.delta.type === "text_delta") yield { type: "token", text: e.delta.text ?? "", count: 1 };
        else if (e.delta.type === "input_json_delta") {
          const index = this.#toolIndex.get(e.index);
          if (index !== undefined) yield { type: "tool_call", index, arguments: e.delta.partial_json ?? "" };
        }
        return;
      case "message_delta":
        if (e.delta.stop_reason) this.#finish = finishReason(e.delta.stop_reason);
        this.#outputTokens = e.usage.output_tokens;
        if (e.usage.input_tokens != null) this.#inputTokens = e.usage.input_tokens;
        return;
      case "message_stop":
        yield { type: "usage", promptTokens: this.#inputTokens, completionTokens: this.#outputTokens };
        yield { type: "done", finishReason: this.#finish };
        return;
      default:
        return;
    }
  }
}
