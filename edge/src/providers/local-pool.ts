/** @module The local pool provider: chat over the Bus to gpu-node workers, models from the live registry. */
import type { Bus } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { modelNotFound } from "@switchyard/shared/errors";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import { streamChat } from "@switchyard/shared/llm/chat-stream-client";
import type { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import type { NormalizedChatRequest } from "../openai/chat-request.ts";
import type { ChatCallContext, ModelCard, Provider } from "./provider.ts";

export interface LocalPoolOptions {
  acceptTimeoutMs: number;
  idleTimeoutMs: number;
}

export class LocalPoolProvider implements Provider {
  readonly name = "local";

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly registry: WorkerRegistry,
    private readonly options: LocalPoolOptions,
  ) {}

  listModels(): ModelCard[] {
    return this.registry.models().map((m) => ({
      id: m.id,
      ownedBy: m.ownedBy,
      createdUnixMs: m.createdUnixMs,
      contextWindow: m.contextWindow,
    }));
  }

  chat(request: NormalizedChatRequest, ctx: ChatCallContext): AsyncGenerator<ChatEvent, void, undefined> {
    return streamChat(
      this.bus,
      this.subjects,
      {
        requestId: ctx.requestId,
        model: request.model,
        messages: request.messages,
        sampling: {
          temperature: request.temperature,
          topP: request.topP,
          maxTokens: request.maxTokens,
          stop: request.stop,
          seed: request.seed,
          responseFormat: request.responseFormat ?? "",
        },
        deadlineUnixMs: ctx.deadlineUnixMs,
        correlationId: ctx.requestId,
      },
      {
        acceptTimeoutMs: this.options.acceptTimeoutMs,
        idleTimeoutMs: this.options.idleTimeoutMs,
        signal: ctx.signal,
        // No worker ever served this model: it is unknown, not merely unavailable.
        mapAcceptError: (err) => (err.code === "no_worker_available" && !this.registry.hasSeen(request.model) ? modelNotFound(request.model) : err),
      },
    );
  }
}
