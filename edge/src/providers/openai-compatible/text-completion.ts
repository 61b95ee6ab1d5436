/**
 * @module Legacy text completions on an OpenAI-compatible upstream: the prompt forwarded to
 * its /v1/completions, and its text_completion replies and chunks as ChatEvents.
 */
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import type OpenAI from "openai";
import type { NormalizedChatRequest } from "../../chat/normalized.ts";
import { finishReason } from "./events.ts";

export function toCompletionParams(r: NormalizedChatRequest): OpenAI.Completions.CompletionCreateParamsNonStreaming {
  const params: Record<string, unknown> = { ...r.passthrough, model: r.model, prompt: r.rawPrompt ?? "" };
  if (r.maxTokens !== undefined) params.max_tokens = r.maxTokens;
  if (r.temperature !== undefined) params.temperature = r.temperature;
  if (r.topP !== undefined) params.top_p = r.topP;
  if (r.stop.length > 0) params.stop = r.stop;
  if (r.seed !== undefined) params.seed = r.seed;
  if (r.user !== undefined) params.user = r.user;
  return params as unknown as OpenAI.Completions.CompletionCreateParamsNonStreaming;
}

/** One completion (or one chunk of a stream) as events; the finish reason is kept in `state`. */
export function* textCompletionEvents(c: OpenAI.Completions.Completion, state: { finish: FinishReason | undefined }): Generator<ChatEvent> {
  const choice = c.choices[0];
  if (choice?.text) yield { type: "token", text: choice.text, count: 1 };
  if (choice?.finish_reason) state.finish = finishReason(choice.finish_reason);
  if (c.usage) {
    const cached = c.usage.prompt_tokens_details?.cached_tokens;
    yield { type: "usage", promptTokens: c.usage.prompt_tokens, completionTokens: c.usage.completion_tokens, ...(cached === undefined ? {} : { cachedTokens: cached }) };
  }
}
