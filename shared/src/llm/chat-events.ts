/**
 * @module What any chat target yields to the gateway: local workers (decoded from ChatChunks)
 * and cloud providers (translated from their streams) alike.
 */

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export type ChatEvent =
  /**
   * The target took the request; nothing was sent to the client before this. `wire`: the
   * reply follows as `wire` events, the upstream's own bytes in the client's format.
   */
  | { type: "accepted"; workerId?: string; promptTokens?: number; wire?: boolean }
  /** A piece of the upstream's reply as it came (a whole JSON body, or one SSE event), to forward unchanged. */
  | { type: "wire"; bytes: Uint8Array }
  | { type: "token"; text: string; count: number }
  /** A piece of a tool call: id and name come first, arguments in fragments. */
  | { type: "tool_call"; index: number; id?: string; name?: string; arguments: string }
  | { type: "usage"; promptTokens: number; completionTokens: number; cachedTokens?: number }
  | { type: "done"; finishReason: FinishReason };
