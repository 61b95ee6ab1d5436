/** @module The conversation a chat request names: body field `conversation_id` or header `x-conversation-id`. */
import { invalidRequest } from "@switchyard/shared/errors";
import type { Context } from "hono";
import { z } from "zod";

export const ConversationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/)
  .meta({ description: "Continue this conversation (our extension): its history is sent upstream and the new turn stored." });

export function conversationIdOf(c: Context, body: unknown): string | undefined {
  const fromBody = typeof body === "object" && body !== null && "conversation_id" in body ? body.conversation_id : undefined;
  const id = fromBody ?? c.req.header("x-conversation-id");
  if (id === undefined || id === null) return undefined;
  const parsed = ConversationIdSchema.safeParse(id);
  if (!parsed.success)
    throw invalidRequest("conversation_id must be a conversation id (letters, digits, '_' and '-').", "conversation_id", "invalid_value");
  return parsed.data;
}
