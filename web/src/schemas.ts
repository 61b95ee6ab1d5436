/** @module The gateway's answers as the page reads them (zod/mini: the whole check costs a few KB). */
import * as z from "zod/mini";

export const ModelList = z.object({ data: z.array(z.object({ id: z.string(), owned_by: z.string() })) });

export const Conversation = z.object({ id: z.string(), title: z.nullable(z.string()), updated_at: z.number() });
export type Conversation = z.infer<typeof Conversation>;

export const ConversationList = z.object({ data: z.array(Conversation), has_more: z.boolean(), next_cursor: z.nullable(z.string()) });

export const ConversationDetail = z.extend(Conversation, {
  messages: z.array(z.object({ role: z.string(), content: z.string(), status: z.string() })),
});

export const VoiceList = z.object({ data: z.array(z.object({ id: z.string() })) });

/** One chat.completion.chunk; the final one (stream_options.include_usage) carries usage. */
export const ChatChunk = z.object({
  choices: z.array(z.object({ delta: z.optional(z.object({ content: z.optional(z.nullable(z.string())) })), finish_reason: z.optional(z.nullable(z.string())) })),
  usage: z.optional(
    z.nullable(
      z.object({
        prompt_tokens: z.number(),
        completion_tokens: z.number(),
        prompt_tokens_details: z.optional(z.nullable(z.object({ cached_tokens: z.optional(z.number()) }))),
      }),
    ),
  ),
});
