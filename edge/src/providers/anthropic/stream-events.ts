/**
 * @module Anthropic's stream events as read off the wire by the gateway's one SSE decoder,
 * checked with zod for the fields the translation uses (anything else is let through as is).
 * An `error` event is thrown as the SDK's own parser would throw it (the provider hands over the
 * class: the SDK is loaded on the first call).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import type { SseEvent } from "../../sse/sse-decoder.ts";

const Usage = z.object({ input_tokens: z.number().nullish(), output_tokens: z.number() }).loose();

const StreamEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message_start"), message: z.object({ usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }).loose() }).loose() }).loose(),
  z
    .object({
      type: z.literal("content_block_start"),
      index: z.number(),
      content_block: z.object({ type: z.string(), id: z.string().optional(), name: z.string().optional() }).loose(),
    })
    .loose(),
  z
    .object({
      type: z.literal("content_block_delta"),
      index: z.number(),
      delta: z.object({ type: z.string(), text: z.string().optional(), partial_json: z.string().optional() }).loose(),
    })
    .loose(),
  z.object({ type: z.literal("content_block_stop"), index: z.number() }).loose(),
  z.object({ type: z.literal("message_delta"), delta: z.object({ stop_reason: z.string().nullish() }).loose(), usage: Usage }).loose(),
  z.object({ type: z.literal("message_stop") }).loose(),
  z.object({ type: z.literal("ping") }).loose(),
  z.object({ type: z.literal("error"), error: z.object({ type: z.string(), message: z.string() }).loose() }).loose(),
]);

export type StreamEvent = Exclude<z.infer<typeof StreamEventSchema>, { type: "error" }>;

/** One SSE event as an Anthropic stream event; undefined for an event type this gateway does not use. */
export function streamEvent(sse: SseEvent, APIError: typeof Anthropic.APIError): StreamEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(sse.data);
  } catch (err) {
    throw new Error(`an event that is not JSON (${sse.event ?? "message"})`, { cause: err });
  }
  const type = typeof value === "object" && value !== null && "type" in value ? value.type : undefined;
  const parsed = StreamEventSchema.safeParse(value);
  if (!parsed.success) {
    if (typeof type === "string" && !KNOWN.has(type)) return undefined;
    throw new Error(`a ${String(type)} event the gateway could not read`, { cause: parsed.error });
  }
  if (parsed.data.type === "error") throw new APIError(undefined, parsed.data, parsed.data.error.message, undefined);
  return parsed.data;
}

const KNOWN = new Set(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop", "ping", "error"]);
