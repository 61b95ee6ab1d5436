/**
 * @module What any chat target yields to the gateway: local workers (decoded from ChatChunks)
 * and cloud providers (translated from their streams) alike.
 */

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export type ChatEvent =
  /** The target took the request; nothing was sent to the client before this. */
  | { type: "accepted"; workerId?: string; promptTokens?: number }
  | { type: "token"; text: string; count: number }
  /** A piece of a tool call: id and name come first, arguments in fragments. */
  | { type: "tool_call"; index: number; id?: string; name?: string; arguments: string }
  | { type: "usage"; promptTokens: number; completionTokens: number; cachedTokens?: number }
  | { type: "done"; finishReason: FinishReason };
