/** @module The conversation a chat request names: body field `conversation_id` or header `x-conversation-id`. */
import { invalidRequest } from "@switchyard/shared/errors";
import type { Context } from "hono";

export function conversationIdOf(c: Context, body: unknown): string | undefined {
  const fromBody = typeof body === "object" && body !== null && "conversation_id" in body ? body.conversation_id : undefined;
  const id = fromBody ?? c.req.header("x-conversation-id");
  if (id === undefined || id === null) return undefined;
  if (typeof id !== "string" || id.length === 0 || id.length > 128) throw invalidRequest("conversation_id must be a non-empty string of at most 128 characters.", "conversation_id", "invalid_value");
  return id;
}
