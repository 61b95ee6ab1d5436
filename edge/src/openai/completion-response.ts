/** @module Builds OpenAI text_completion objects and stream chunks (the legacy endpoint) from ChatEvents. */
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import { z } from "zod";
import { withFirst } from "../chat/with-first.ts";
import { type CompletionMeta, type Usage, UsageSchema, usage } from "./chat-response.ts";

type Events = AsyncIterator<ChatEvent, void, undefined>;

export interface TextChoice {
  text: string;
  index: number;
  logprobs: null;
  finish_reason: FinishReason | null;
}

/** One prompt's reply as it streams: text pieces, then its finish reason; returns its usage. */
export async function* textPieces(first: ChatEvent | undefined, events: Events, index: number, echo: string): AsyncGenerator<TextChoice, Usage, undefined> {
  let u = usage(0, 0);
  let finish: FinishReason = "stop";
  if (echo) yield { text: echo, index, logprobs: null, finish_reason: null };
  for await (const e of withFirst(first, events)) {
    if (e.type === "token" && e.text.length > 0) yield { text: e.text, index, logprobs: null, finish_reason: null };
    else if (e.type === "accepted") u = usage(e.promptTokens ?? 0, 0);
    else if (e.type === "usage") u = usage(e.promptTokens, e.completionTokens, e.cachedTokens);
    else if (e.type === "done") finish = e.finishReason;
  }
  yield { text: "", index, logprobs: null, finish_reason: finish };
  return u;
}

/** A prompt's whole reply as one choice. */
export async function collectChoice(pieces: AsyncGenerator<TextChoice, Usage, undefined>): Promise<{ choice: TextChoice; usage: Usage }> {
  const choice: TextChoice = { text: "", index: 0, logprobs: null, finish_reason: null };
  for (;;) {
    const next = await pieces.next();
    if (next.done) return { choice, usage: next.value };
    choice.index = next.value.index;
    choice.text += next.value.text;
    choice.finish_reason = next.value.finish_reason ?? choice.finish_reason;
  }
}

export const addUsage = (a: Usage, b: Usage): Usage =>
  usage(a.prompt_tokens + b.prompt_tokens, a.completion_tokens + b.completion_tokens, sumCached(a, b));

const sumCached = (a: Usage, b: Usage): number | undefined =>
  a.prompt_tokens_details || b.prompt_tokens_details ? (a.prompt_tokens_details?.cached_tokens ?? 0) + (b.prompt_tokens_details?.cached_tokens ?? 0) : undefined;

/** A text_completion: the whole answer (with usage), or one stream chunk of it (usage on the last only). */
export const textChunk = (meta: CompletionMeta, choices: TextChoice[], u?: Usage) => ({
  id: meta.id,
  object: "text_completion" as const,
  created: meta.created,
  model: meta.model,
  system_fingerprint: null,
  choices,
  ...(u ? { usage: u } : {}),
});

/** A text_completion, as documented in /openapi.json. */
export const TextCompletionSchema = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.null(),
  choices: z.array(z.object({ text: z.string(), index: z.number().int(), logprobs: z.null(), finish_reason: z.enum(["stop", "length", "tool_calls", "content_filter"]).nullable() })),
  usage: UsageSchema,
});
