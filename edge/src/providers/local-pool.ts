/** @module The local pool provider: chat and embeddings over the Bus to gpu-node workers, models from the live registry. */
import { prefixHashes, prefixWeights } from "@switchyard/shared/llm/prefix-hash";
import type { Bus } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { type GatewayError, invalidRequest, modelNotFound } from "@switchyard/shared/errors";
import { localResponseFormat, localTools } from "./local-tools.ts";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import { streamChat } from "@switchyard/shared/llm/chat-stream-client";
import { requestEmbeddings } from "@switchyard/shared/llm/embed-client";
import type { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { type NormalizedChatRequest, textOnly } from "../chat/normalized.ts";
import type { EmbeddingsResult, NormalizedEmbedRequest } from "../embeddings/normalized.ts";
import type { DispatchMode } from "../pool/pick-worker.ts";
import type { PoolDispatcher } from "../pool/pool-dispatcher.ts";
import type { ResumePoint } from "../pool/run-options.ts";
import type { ChatCallContext, ModelCard, Provider } from "./provider.ts";

export interface LocalPoolOptions {
  acceptTimeoutMs: number;
  idleTimeoutMs: number;
  /** How requests for a model pick their worker (routing config, else the gateway's default). */
  dispatchMode: (model: string) => DispatchMode;
  /** Times a model's stream may resume on another worker when its worker dies. */
  resumeAttempts: (model: string) => number;
  /** Whether a model was trained for shortened embeddings (Matryoshka): `dimensions` below its size is accepted. */
  matryoshka: (model: string) => boolean;
}

export class LocalPoolProvider implements Provider {
  readonly name = "local";

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly registry: WorkerRegistry,
    private readonly dispatcher: PoolDispatcher,
    private readonly options: LocalPoolOptions,
  ) {}

  listModels(): ModelCard[] {
    return this.registry.models().map((m) => ({
      id: m.id,
      ownedBy: m.ownedBy,
      createdUnixMs: m.createdUnixMs,
      capabilities: m.capabilities,
      ...(m.embeddingDimensions > 0 ? { embeddingDimensions: m.embeddingDimensions } : {}),
      contextWindow: m.contextWindow,
      // Unset in models.json (0): the context window is the real bound.
      maxOutputTokens: m.maxOutputTokens || m.contextWindow,
    }));
  }

  chat(request: NormalizedChatRequest, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined> {
    const messages = request.messages.map((m, i) => {
      const content = textOnly(m.content);
      if (content === null) throw invalidRequest(`The model '${request.model}' does not accept image inputs.`, `messages[${i}].content`, "unsupported_content");
      return {
        role: m.role,
        content,
        ...(m.name ? { name: m.name } : {}),
        ...(m.toolCalls ? { toolCalls: m.toolCalls } : {}),
        ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}),
      };
    });
    const wire = {
      requestId: ctx.requestId,
      model: request.model,
      messages,
      sampling: {
        temperature: request.temperature,
        topP: request.topP,
        maxTokens: request.maxTokens,
        stop: request.stop,
        // OpenAI takes any integer seed; llama.cpp takes 32 bits.
        seed: request.seed === undefined ? undefined : request.seed >>> 0,
        ...localResponseFormat(request),
      },
      ...localTools(request),
      deadlineUnixMs: ctx.deadlineUnixMs,
      correlationId: ctx.requestId,
      keepAliveMs: request.keepAliveMs,
      ...(request.rawPrompt === undefined ? {} : { rawPrompt: request.rawPrompt }),
    };
    const options = this.#callOptions(request.model, ctx);
    const mode = this.options.dispatchMode(request.model);
    const prefix = mode === "prefix" ? { hashes: prefixHashes(messages), weights: prefixWeights(messages) } : undefined;
    const start = (subject: string, resume: ResumePoint | undefined) =>
      streamChat(this.bus, this.subjects, resume ? resumedRequest(wire, resume, this.registry.model(request.model)?.maxOutputTokens ?? 0) : wire, { ...options, subject });
    // A stream of tool calls is not resumed: a half-made call cannot be continued as text.
    const resumes = wire.tools && wire.tools.length > 0 ? 0 : this.options.resumeAttempts(request.model);
    return this.dispatcher.run(request.model, mode, ctx.signal, start, { prefix, resumes });
  }

  /** What a call over the bus waits for, and how its refusal reads. */
  #callOptions(model: string, ctx: ChatCallContext) {
    return {
      acceptTimeoutMs: this.options.acceptTimeoutMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      signal: ctx.signal,
      // No worker ever served this model: it is unknown, not merely unavailable.
      mapAcceptError: (err: GatewayError) => (err.code === "no_worker_available" && !this.registry.hasSeen(model) ? modelNotFound(model) : err),
    };
  }

  async embed(request: NormalizedEmbedRequest, ctx: ChatCallContext): Promise<EmbeddingsResult> {
    const dimensions = this.#embedDimensions(request);
    const wire = {
      requestId: ctx.requestId,
      model: request.model,
      texts: request.input.kind === "text" ? request.input.texts : [],
      tokenInputs: request.input.kind === "tokens" ? request.input.tokens.map((tokens) => ({ tokens })) : [],
      dimensions,
      deadlineUnixMs: ctx.deadlineUnixMs,
    };
    const options = this.#callOptions(request.model, ctx);
    // Dispatched like chat, but never by prefix: there is no conversation to find in a cache.
    const mode = this.options.dispatchMode(request.model);
    return this.dispatcher.call(request.model, "embed", mode === "prefix" ? "least-loaded" : mode, ctx.signal, (subject) =>
      requestEmbeddings(this.bus, this.subjects, wire, { ...options, subject }),
    );
  }

  /**
   * The wire's dimensions (0: the model's own), or a 400 before anything is sent: the model
   * does not embed, or cannot give the length asked for. A model no live worker announces
   * goes on to dispatch, which answers 404 or 503 as for chat.
   */
  #embedDimensions(request: NormalizedEmbedRequest): number {
    const live = this.registry.model(request.model);
    if (!live) return request.dimensions ?? 0;
    const own = live.embeddingDimensions;
    if (own === 0) throw invalidRequest(`The model '${request.model}' does not serve embeddings.`, "model", "unsupported_model");
    const asked = request.dimensions;
    if (asked === undefined || asked === own) return 0;
    if (asked > own || !this.options.matryoshka(request.model))
      throw invalidRequest(
        `The model '${request.model}' gives vectors of ${own} dimensions${this.options.matryoshka(request.model) ? " at most" : " only (it is not configured as a Matryoshka model that can be shortened)"}; dimensions ${asked} is not supported.`,
        "dimensions",
        "unsupported_dimensions",
      );
    return asked;
  }
}

/**
 * The same request going on from the text the client has, with what is left of max_tokens
 * (unset: of the model's max output, when it has one, so the reply stays within it).
 */
function resumedRequest<W extends { sampling: { maxTokens?: number | undefined } }>(wire: W, resume: ResumePoint, maxOutputTokens: number): W & { continueFrom: string } {
  const maxTokens = wire.sampling.maxTokens ?? (maxOutputTokens > 0 ? maxOutputTokens : undefined);
  return { ...wire, continueFrom: resume.text, sampling: { ...wire.sampling, maxTokens: maxTokens === undefined ? undefined : Math.max(0, maxTokens - resume.tokens) } };
}
