/** @module Builds OpenAI chat.completion and chat.completion.chunk objects. */

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export const usage = (promptTokens: number, completionTokens: number): Usage => ({
  prompt_tokens: promptTokens,
  completion_tokens: completionTokens,
  total_tokens: promptTokens + completionTokens,
});

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function chatCompletion(meta: CompletionMeta, content: string, finishReason: FinishReason, u: Usage) {
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message: { role: "assistant" as const, content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: u,
    system_fingerprint: null,
  };
}

export interface ChunkDelta {
  role?: "assistant";
  content?: string;
}

export function chatChunk(meta: CompletionMeta, delta: ChunkDelta, finishReason: FinishReason | null, withUsageField: boolean) {
  return {
    id: meta.id,
    object: "chat.completion.chunk" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    // With include_usage, OpenAI sends usage: null on every chunk but the last.
    ...(withUsageField ? { usage: null } : {}),
  };
}

export function usageChunk(meta: CompletionMeta, u: Usage) {
  return {
    id: meta.id,
    object: "chat.completion.chunk" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [],
    usage: u,
  };
}
