/**
 * @module The Provider interface: every target (local pool, cloud APIs) streams the same chat
 * events and answers embeddings the same way (a provider without them refuses with a 400).
 */
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { NormalizedChatRequest } from "../chat/normalized.ts";
import type { EmbeddingsResult, NormalizedEmbedRequest } from "../embeddings/normalized.ts";

export interface ChatCallContext {
  requestId: string;
  signal: AbortSignal;
  deadlineUnixMs: number;
}

export interface ModelCard {
  id: string;
  ownedBy: string;
  createdUnixMs: number;
  /** Local models: what they serve ("chat", "completions", "tools", "json_schema", "embeddings"). */
  capabilities?: string[];
  /** Local models that embed: the length of their vectors. */
  embeddingDimensions?: number;
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
  /**
   * All the request's vectors at once: embeddings are answered as one JSON body, so nothing
   * reaches the client before the whole result (and any failure can still fall back).
   */
  embed(request: NormalizedEmbedRequest, ctx: ChatCallContext): Promise<EmbeddingsResult>;
}
