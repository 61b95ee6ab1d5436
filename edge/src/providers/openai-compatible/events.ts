/** @module OpenAI completions and stream chunks → ChatEvents. */
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import type OpenAI from "openai";

export function finishReason(reason: string | null | undefined): FinishReason {
  if (reason === "length" || reason === "tool_calls" || reason === "content_filter") return reason;
  if (reason === "function_call") return "tool_calls";
  return "stop";
}

export function* completionEvents(c: OpenAI.Chat.Completions.ChatCompletion): Generator<ChatEvent> {
  const choice = c.choices[0];
  const content = choice?.message.content;
  if (content) yield { type: "token", text: content, count: c.usage?.completion_tokens ?? 0 };
  for (const [index, call] of (choice?.message.tool_calls ?? []).entries()) {
    if (call.type === "function") yield { type: "tool_call", index, id: call.id, name: call.function.name, arguments: call.function.arguments };
  }
  if (c.usage) yield usageEvent(c.usage);
  yield { type: "done", finishReason: finishReason(choice?.finish_reason) };
}

/** One chunk may carry text, tool-call fragments, a finish reason and (last) usage. */
export function* chunkEvents(chunk: OpenAI.Chat.Completions.ChatCompletionChunk, state: { finish: FinishReason | undefined }): Generator<ChatEvent> {
  const choice = chunk.choices[0];
  if (choice?.delta.content) yield { type: "token", text: choice.delta.content, count: 1 };
  for (const call of choice?.delta.tool_calls ?? []) {
    yield {
      type: "tool_call",
      index: call.index,
      ...(call.id ? { id: call.id } : {}),
      ...(call.function?.name ? { name: call.function.name } : {}),
      arguments: call.function?.arguments ?? "",
    };
  }
  if (choice?.finish_reason) state.finish = finishReason(choice.finish_reason);
  if (chunk.usage) yield usageEvent(chunk.usage);
}

/** The upstream's cached prompt tokens pass through as OpenAI reports them. */
function usageEvent(u: OpenAI.Completions.CompletionUsage): ChatEvent {
  const cached = u.prompt_tokens_details?.cached_tokens;
  return { type: "usage", promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, ...(cached === undefined ? {} : { cachedTokens: cached }) };
}
