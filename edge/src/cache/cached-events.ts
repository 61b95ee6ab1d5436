/**
 * @module What a response-cache entry holds: the call's ChatEvents in order, checked with zod
 * when read back (from the database or another gateway's write), and only a completed call's
 * (one with its done event).
 */
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import { z } from "zod";

const count = z.number().int().min(0);

const ChatEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("accepted"), workerId: z.string().optional(), promptTokens: count.optional() }),
  z.object({ type: z.literal("token"), text: z.string(), count }),
  z.object({ type: z.literal("tool_call"), index: count, id: z.string().optional(), name: z.string().optional(), arguments: z.string() }),
  z.object({ type: z.literal("usage"), promptTokens: count, completionTokens: count, cachedTokens: count.optional() }),
  z.object({ type: z.literal("done"), finishReason: z.enum(["stop", "length", "tool_calls", "content_filter"]) }),
]);

export const CachedEventsSchema = z
  .array(ChatEventSchema)
  .refine((events) => events.some((e) => e.type === "done"), "a cached call has its done event") satisfies z.ZodType<ChatEvent[]>;

/** The events, or undefined when they are not a completed call's. */
export function parseCachedEvents(value: unknown): ChatEvent[] | undefined {
  const parsed = CachedEventsSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A completed call's events: what may be written. */
export const isCompleteCall = (events: ChatEvent[]): boolean => events.some((e) => e.type === "done");
