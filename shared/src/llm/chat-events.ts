/** @module What a local chat stream yields to the gateway, decoded from ChatChunks. */

export type ChatEvent =
  | { type: "accepted"; workerId: string; promptTokens: number }
  | { type: "token"; text: string; count: number }
  | { type: "usage"; promptTokens: number; completionTokens: number }
  | { type: "done"; finishReason: "stop" | "length" };
