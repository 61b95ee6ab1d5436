/**
 * @module The Anthropic provider, through the official @anthropic-ai/sdk (which retries 408,
 * 409, 429, 5xx and connection errors with jittered backoff, honouring retry-after). The SDK
 * is loaded on the first call, so a gateway without an Anthropic key never loads it.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { invalidRequest, serviceUnavailable } from "@switchyard/shared/errors";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { NormalizedChatRequest } from "../../chat/normalized.ts";
import type { EmbeddingsResult, NormalizedEmbedRequest } from "../../embeddings/normalized.ts";
import { HandOver } from "../hand-over.ts";
import type { ChatCallContext, ModelCard, Provider } from "../provider.ts";
import { letGo, responseBytes } from "../upstream/response-bytes.ts";
import { type UpstreamInfo, upstreamError } from "../upstream/upstream-error.ts";
import { messageEvents, StreamTranslator } from "./events.ts";
import { toAnthropicParams } from "./request.ts";
import { streamEvent } from "./stream-events.ts";
import { sseEvents } from "../../sse/sse-decoder.ts";

export interface AnthropicOptions {
  apiKey: string | undefined;
  baseURL: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  fetch?: typeof fetch | undefined;
  models: () => ModelCard[];
}

type AnthropicSdk = typeof Anthropic;

interface Connected {
  client: Anthropic;
  sdk: AnthropicSdk;
  info: UpstreamInfo;
}

export class AnthropicProvider implements Provider {
  readonly name = "anthropic";
  #connected: Promise<Connected> | undefined;

  constructor(private readonly options: AnthropicOptions) {}

  listModels(): ModelCard[] {
    return this.options.models();
  }

  /** The SDK and its client, loaded on the first call. */
  #connect(apiKey: string): Promise<Connected> {
    const { baseURL, timeoutMs, maxRetries, fetch } = this.options;
    this.#connected ??= import("@anthropic-ai/sdk").then(({ default: Sdk }: { default: AnthropicSdk }) => ({
      client: new Sdk({ apiKey, baseURL, timeout: timeoutMs, maxRetries, ...(fetch ? { fetch } : {}) }),
      sdk: Sdk,
      info: { provider: "anthropic", apiKeyEnv: "ANTHROPIC_API_KEY", sdk: Sdk },
    }));
    return this.#connected;
  }

  chat(request: NormalizedChatRequest, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined> {
    return this.#reply(new HandOver(request), ctx);
  }

  /** The reply's events; holds the upstream's answer, not the request (see HandOver). */
  async *#reply(request: HandOver<NormalizedChatRequest>, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined> {
    // Taken inside #send: a value passed through this frame would stay in one of its registers.
    const sent = await this.#send(request, ctx);
    if (sent.kind === "message") {
      yield { type: "accepted" };
      yield* messageEvents(sent.message);
      return;
    }
    const { response, sdk, info } = sent;
    const translator = new StreamTranslator();
    let done = false;
    try {
      yield { type: "accepted" };
      const body = responseBytes(response);
      if (!body) throw new Error("the stream has no body");
      for await (const sse of sseEvents(body)) {
        const event = streamEvent(sse, sdk.APIError);
        if (!event) continue;
        for (const e of translator.events(event)) {
          if (e.type === "done") done = true;
          yield e;
        }
      }
    } catch (err) {
      throw upstreamError(err, info, ctx.signal);
    } finally {
      letGo(response);
    }
    if (!done) throw upstreamError(new Error("the stream ended before message_stop"), info, ctx.signal);
  }

  /** Sends the call; resolves with the whole message, or with the stream's response once it has answered. */
  async #send(handOver: HandOver<NormalizedChatRequest>, ctx: ChatCallContext): Promise<Sent> {
    const request = handOver.take();
    const apiKey = this.options.apiKey;
    if (!apiKey) throw serviceUnavailable("The anthropic provider is not configured: set ANTHROPIC_API_KEY.", "provider_not_configured");
    const { client, sdk, info } = await this.#connect(apiKey);
    const params = toAnthropicParams(request);
    const opts = { signal: ctx.signal };
    try {
      if (!request.stream) return { kind: "message", message: await client.messages.create(params, opts) };
      // The SDK does auth, retries and errors; the stream is read by the gateway's own SSE decoder.
      return { kind: "stream", response: await client.messages.create({ ...params, stream: true }, opts).asResponse(), sdk, info };
    } catch (err) {
      throw upstreamError(err, info, ctx.signal);
    }
  }

  /** Anthropic's API has no embeddings endpoint: a 400 naming the model, before any call. */
  async embed(request: NormalizedEmbedRequest): Promise<EmbeddingsResult> {
    throw invalidRequest(`The model '${request.model}' is served by Anthropic, which has no embeddings API.`, "model", "unsupported_model");
  }
}

/** What the reply needs of a sent call, not the request. */
type Sent = { kind: "message"; message: Anthropic.Messages.Message } | { kind: "stream"; response: Response; sdk: AnthropicSdk; info: UpstreamInfo };
