/** @module OpenAI finish reasons as the gateway's (reply.ts reads the rest of a reply). */
import type { FinishReason } from "@switchyard/shared/llm/chat-events";

export function finishReason(reason: string | null | undefined): FinishReason {
  if (reason === "length" || reason === "tool_calls" || reason === "content_filter") return reason;
  if (reason === "function_call") return "tool_calls";
  return "stop";
}
