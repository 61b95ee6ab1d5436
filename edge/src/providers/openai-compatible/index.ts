/**
 * @module A provider for OpenAI and any API that speaks its protocol (Groq), through the
 * official `openai` SDK. The SDK does the retries: jittered exponential backoff on 408, 409,
 * 429, 5xx and connection errors, honouring retry-after, all before our first event.
 */
import { serviceUnavailable } from "@switchyard/shared/errors";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import OpenAI from "openai";
import type { NormalizedChatRequest } from "../../chat/normalized.ts";
import { type EmbeddingsResult, inputCount, type NormalizedEmbedRequest } from "../../embeddings/normalized.ts";
import type { ChatCallContext, ModelCard, Provider } from "../provider.ts";
import { HandOver } from "../hand-over.ts";
import { letGo, responseBytes } from "../upstream/response-bytes.ts";
import { type UpstreamInfo, upstreamError } from "../upstream/upstream-error.ts";
import { fromEmbeddingsReply, toEmbeddingParams } from "./embeddings.ts";
import { jsonReply, streamReply } from "./reply.ts";
import { toOpenAIParams } from "./request.ts";
import { textCompletionReply, toCompletionParams } from "./text-completion.ts";

export interface OpenAICompatibleOptions {
  name: string;
  apiKey: string | undefined;
  apiKeyEnv: string;
  baseURL: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  fetch?: typeof fetch | undefined;
  models: () => ModelCard[];
}

export class OpenAICompatibleProvider implements Provider {
  readonly name: string;
  readonly #client: OpenAI | undefined;

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.name = options.name;
    this.#client = options.apiKey
      ? new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: options.maxRetries, ...(options.fetch ? { fetch: options.fetch } : {}) })
      : undefined;
  }

  listModels(): ModelCard[] {
    return this.options.models();
  }

  #info(): UpstreamInfo {
    return { provider: this.name, apiKeyEnv: this.options.apiKeyEnv, sdk: OpenAI };
  }

  async embed(request: NormalizedEmbedRequest, ctx: ChatCallContext): Promise<EmbeddingsResult> {
    const client = this.#client;
    if (!client) throw serviceUnavailable(`The ${this.name} provider is not configured: set ${this.options.apiKeyEnv}.`, "provider_not_configured");
    const info = this.#info();
    let reply: unknown;
    try {
      // Asked for base64 explicitly, so the SDK hands the reply over as sent.
      reply = await client.embeddings.create(toEmbeddingParams(request), { signal: ctx.signal, headers: { "x-request-id": ctx.requestId } });
    } catch (err) {
      throw upstreamError(err, info, ctx.signal);
    }
    try {
      return fromEmbeddingsReply(reply, inputCount(request.input));
    } catch (err) {
      throw upstreamError(err, info, ctx.signal);
    }
  }

  chat(request: NormalizedChatRequest, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined> {
    return this.#reply(new HandOver(request), ctx);
  }

  /** The reply's events; holds the upstream's response, not the request (see HandOver). */
  async *#reply(request: HandOver<NormalizedChatRequest>, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined> {
    // Taken inside #send: a value passed through this frame would stay in one of its registers.
    const sent = await this.#send(request, ctx);
    const { response, info } = sent;
    try {
      yield { type: "accepted", ...(sent.wire ? { wire: true } : {}) };
      if (sent.text) yield* textCompletionReply(response, sent.stream);
      else if (!sent.stream) yield* jsonReply(response, sent.wire);
      else {
        const body = responseBytes(response);
        if (!body) throw new Error("the stream has no body");
        yield* streamReply(body, sent.wire ? { clientWantsUsage: sent.includeUsage } : undefined);
      }
    } catch (err) {
      throw upstreamError(err, info, ctx.signal);
    } finally {
      letGo(response);
    }
  }

  /**
   * Sends the call (a legacy text completion to the upstream's /v1/completions) and resolves
   * with the upstream's response once it has answered.
   */
  async #send(handOver: HandOver<NormalizedChatRequest>, ctx: ChatCallContext): Promise<Sent> {
    const request = handOver.take();
    const client = this.#client;
    if (!client) throw serviceUnavailable(`The ${this.name} provider is not configured: set ${this.options.apiKeyEnv}.`, "provider_not_configured");
    const info = this.#info();
    const opts = { signal: ctx.signal, headers: { "x-request-id": ctx.requestId } };
    if (request.rawPrompt !== undefined) {
      const params = toCompletionParams(request);
      try {
        const response = await (request.stream ? client.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, opts) : client.completions.create(params, opts)).asResponse();
        return { response, info, text: true, stream: request.stream, wire: false, includeUsage: false };
      } catch (err) {
        throw upstreamError(err, info, ctx.signal);
      }
    }
    const params = toOpenAIParams(request);
    try {
      // Usage is always asked for on streams (the gateway accounts for it); the client sees it only if it asked.
      const response = await (request.stream
        ? client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, opts)
        : client.chat.completions.create(params, opts)
      ).asResponse();
      // The client speaks this upstream's own format: its bytes can go through as they are.
      return { response, info, text: false, stream: request.stream, wire: request.wire === "openai-chat", includeUsage: request.includeUsage };
    } catch (err) {
      throw upstreamError(err, info, ctx.signal);
    }
  }
}

/** What the reply needs of a sent call: the response and how to read it, not the request. */
interface Sent {
  response: Response;
  info: UpstreamInfo;
  /** A legacy text completion. */
  text: boolean;
  stream: boolean;
  wire: boolean;
  includeUsage: boolean;
}
