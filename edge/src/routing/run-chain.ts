/**
 * @module Starts a chat on the first target of a route that accepts it. A target that fails before its first event
 * (404, 408, 429, 5xx, timeout — retries already spent inside the SDK) hands over to the next;
 * once a target has answered, its failures end the stream and nothing switches silently.
 * Embeddings go down the same chain, and since their answer is all or nothing, any such
 * failure may hand over.
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { Logger } from "@switchyard/shared/log";
import type { NormalizedChatRequest } from "../chat/normalized.ts";
import type { EmbeddingsResult, NormalizedEmbedRequest } from "../embeddings/normalized.ts";
import type { ChatCallContext } from "../providers/provider.ts";
import type { ParamDefaults } from "./route-config.ts";
import type { Target } from "./resolve-target.ts";

const FALLBACK_STATUSES = new Set([404, 408, 429, 500, 502, 503, 504]);

export const canFallBack = (err: GatewayError): boolean => FALLBACK_STATUSES.has(err.status) && (err.status !== 404 || err.code === "model_not_found");

export interface StartedChat {
  target: Target;
  /** The target's first event (undefined if it ended without any). */
  first: ChatEvent | undefined;
  /** The rest of its events. */
  events: AsyncGenerator<ChatEvent, void, undefined>;
}

/** Resolves once a target has accepted the request (its first event), falling back as needed. */
export async function startChat(chain: Target[], request: NormalizedChatRequest, ctx: ChatCallContext, log: Logger): Promise<StartedChat> {
  for (let i = 0; ; i++) {
    const target = chain[i]!;
    // A reply passed through as bytes names the upstream's model: only where that is the name asked for.
    const wire = target.upstreamModel === request.model ? request.wire : undefined;
    const events = target.provider.chat(withDefaults({ ...request, model: target.upstreamModel, wire }, target.params), ctx);
    try {
      const first = await events.next();
      return { target, first: first.done ? undefined : first.value, events };
    } catch (err) {
      const e = GatewayError.from(err);
      const next = chain[i + 1];
      if (!next || !canFallBack(e) || ctx.signal.aborted) throw e;
      log.warn(`${target.provider.name}:${target.upstreamModel} failed (${e.status} ${e.code}); falling back to ${next.provider.name}:${next.upstreamModel}`);
    }
  }
}

/** The embeddings of the first target that answers, falling back on the same failures as chat. */
export async function embedOnChain(chain: Target[], request: NormalizedEmbedRequest, ctx: ChatCallContext, log: Logger): Promise<{ target: Target; result: EmbeddingsResult }> {
  for (let i = 0; ; i++) {
    const target = chain[i]!;
    try {
      return { target, result: await target.provider.embed({ ...request, model: target.upstreamModel }, ctx) };
    } catch (err) {
      const e = GatewayError.from(err);
      const next = chain[i + 1];
      if (!next || !canFallBack(e) || ctx.signal.aborted) throw e;
      log.warn(`${target.provider.name}:${target.upstreamModel} embeddings failed (${e.status} ${e.code}); falling back to ${next.provider.name}:${next.upstreamModel}`);
    }
  }
}

export function withDefaults(request: NormalizedChatRequest, params: ParamDefaults): NormalizedChatRequest {
  return {
    ...request,
    temperature: request.temperature ?? params.temperature,
    topP: request.topP ?? params.top_p,
    maxTokens: request.maxTokens ?? params.max_tokens,
    stop: request.stop.length > 0 ? request.stop : (params.stop ?? []),
    seed: request.seed ?? params.seed,
  };
}
