/**
 * @module A provider for OpenAI and any API that speaks its protocol (Groq), through the
 * official `openai` SDK. The SDK does the retries: jittered exponential backoff on 408, 409,
 * 429, 5xx and connection errors, honouring retry-after, all before our first event.
 */
import { serviceUnavailable } from "@switchyard/shared/errors";
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import OpenAI from "openai";
import type { NormalizedChatRequest } from "../../chat/normalized.ts";
import { type EmbeddingsResult, inputCount, type NormalizedEmbedRequest } from "../../embeddings/normalized.ts";
import type { ChatCallContext, ModelCard, Provider } from "../provider.ts";
import { upstreamError } from "../upstream/upstream-error.ts";
import { fromEmbeddingsReply, toEmbeddingParams } from "./embeddings.ts";
import { chunkEvents, completionEvents } from "./events.ts";
import { toOpenAIParams } from "./request.ts";

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

  async embed(request: NormalizedEmbedRequest, ctx: ChatCallContext): Promise<EmbeddingsResult> {
    const client = this.#client;
    if (!client) throw serviceUnavailable(`The ${this.name} provider is not configured: set ${this.options.apiKeyEnv}.`, "provider_not_configured");
    const info = { provider: this.name, apiKeyEnv: this.options.apiKeyEnv };
    let reply: unknown;
    try {
      // Asked for base64 explicitly, so the SDK hands the reply over as sent.
      reply = await client.embeddings.create(toEmbeddingParams(request), { signal: ctx.signal, headers: { "x-request-id": ctx.requestId } });
    } catch (err) {
      throw upstreamError(err, info);
    }
    try {
      return fromEmbeddingsReply(reply, inputCount(request.input));
    } catch (err) {
      throw upstreamError(err, info);
    }
  }

  async *chat(request: NormalizedChatRequest, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined> {
    const client = this.#client;
    if (!client) throw serviceUnavailable(`The ${this.name} provider is not configured: set ${this.options.apiKeyEnv}.`, "provider_not_configured");
    const info = { provider: this.name, apiKeyEnv: this.options.apiKeyEnv };
    const params = toOpenAIParams(request);
    const opts = { signal: ctx.signal, headers: { "x-request-id": ctx.requestId } };
    if (!request.stream) {
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create(params, opts);
      } catch (err) {
        throw upstreamError(err, info);
      }
      yield { type: "accepted" };
      yield* completionEvents(completion);
      return;
    }
    let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
    try {
      // Usage is always asked for (the gateway accounts for it); the client sees it only if it asked.
      stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, opts);
    } catch (err) {
      throw upstreamError(err, info);
    }
    yield { type: "accepted" };
    const state: { finish: FinishReason | undefined } = { finish: undefined };
    try {
      for await (const chunk of stream) yield* chunkEvents(chunk, state);
    } catch (err) {
      throw upstreamError(err, info);
    }
    // The SDK ends quietly when the connection closes early; a reply without a finish reason is cut short.
    if (!state.finish) throw upstreamError(new Error("the stream ended before a finish_reason"), info);
    yield { type: "done", finishReason: state.finish };
  }
}
