/** @module The Provider interface: every target (local pool, cloud APIs) streams the same events. */
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { NormalizedChatRequest } from "../chat/normalized.ts";

export interface ChatCallContext {
  requestId: string;
  signal: AbortSignal;
  deadlineUnixMs: number;
}

export interface ModelCard {
  id: string;
  ownedBy: string;
  createdUnixMs: number;
  contextWindow: number | undefined;
  /** Longest reply the model gives (local models); undefined where unknown. */
  maxOutputTokens: number | undefined;
}

export interface Provider {
  readonly name: string;
  /** Models this provider serves right now. */
  listModels(): ModelCard[];
  /**
   * Streams the reply. The first event is yielded only once the target accepted the request,
   * so errors before it can still be answered with a proper HTTP status.
   */
  chat(request: NormalizedChatRequest, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined>;
}
