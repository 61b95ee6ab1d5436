/**
 * @module Legacy text completions on an OpenAI-compatible upstream: the prompt forwarded to
 * its /v1/completions, and its text_completion replies and chunks as ChatEvents.
 */
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import type OpenAI from "openai";
import type { NormalizedChatRequest } from "../../chat/normalized.ts";
import { z } from "zod";
import { responseBytes } from "../upstream/response-bytes.ts";
import { sseEvents } from "../../sse/sse-decoder.ts";
import { finishReason } from "./events.ts";
import { usageEvent } from "./reply.ts";

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

const TextCompletionSchema = z
  .object({
    choices: z.array(z.object({ text: z.string().nullish(), finish_reason: z.string().nullish() }).loose()),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).loose().nullish() }).loose().nullish(),
  })
  .loose();

function parseCompletion(text: string): z.infer<typeof TextCompletionSchema> {
  const parsed = TextCompletionSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error("a text completion the gateway could not read", { cause: parsed.error });
  return parsed.data;
}

/** The upstream's reply (JSON, or SSE through the gateway's one decoder) as events. */
export async function* textCompletionReply(response: Response, stream: boolean): AsyncGenerator<ChatEvent, void, undefined> {
  const state: { finish: FinishReason | undefined } = { finish: undefined };
  if (!stream) yield* textCompletionEvents(parseCompletion(await response.text()), state);
  else {
    const body = responseBytes(response);
    if (!body) throw new Error("the stream has no body");
    for await (const event of sseEvents(body)) {
      if (event.data === "[DONE]") break;
      yield* textCompletionEvents(parseCompletion(event.data), state);
    }
  }
  if (!state.finish) throw new Error("the reply ended before a finish_reason");
  yield { type: "done", finishReason: state.finish };
}

/** One completion (or one chunk of a stream) as events; the finish reason is kept in `state`. */
function* textCompletionEvents(c: z.infer<typeof TextCompletionSchema>, state: { finish: FinishReason | undefined }): Generator<ChatEvent> {
  const choice = c.choices[0];
  if (choice?.text) yield { type: "token", text: choice.text, count: 1 };
  if (choice?.finish_reason) state.finish = finishReason(choice.finish_reason);
  if (c.usage) yield usageEvent(c.usage);
}
