/**
 * @module The gpu-node service: takes ChatRequests from each model's queue group, replies
 * accepted (or a typed error), streams ChatChunks with sequence numbers and heartbeats,
 * stops on cancel or deadline, and announces its status in the workers bucket.
 */
import type { Bus, BusMsg } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { type ChatChunkKind, type ChatRequest, decodeChatRequest, encodeChatChunk } from "@switchyard/shared/codec/chat-codec";
import { ChunkSender } from "./chunk-sender.ts";
import { generate } from "./generate.ts";
import type { LoadedModel, ModelPool } from "./model-pool.ts";
import { renderPrompt } from "./prompt.ts";
import { StatusAnnouncer } from "@switchyard/shared/registry/status-announcer";
import { llmStatus } from "./status.ts";

export interface LlmWorkerOptions {
  workerId: string;
  heartbeatMs: number;
  /** Longest a token waits to share a message with the next ones (0 = one message per token). */
  coalesceMs: number;
  statusIntervalMs: number;
  statusTtlMs: number;
  log: (message: string) => void;
}

class RequestRejected extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class LlmWorker {
  #subs: Array<{ unsubscribe(): void }> = [];
  #active = new Map<string, AbortController>();
  #announcer: StatusAnnouncer;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly pool: ModelPool,
    private readonly options: LlmWorkerOptions,
  ) {
    this.#announcer = new StatusAnnouncer(bus, subjects, llmStatus(pool, Date.now()), options);
  }

  async start(): Promise<void> {
    await this.bus.ready();
    for (const loaded of this.pool.models.values()) {
      this.#subs.push(
        this.bus.subscribe(this.subjects.chat(loaded.id), (msg) => void this.#onRequest(loaded, msg), {
          queue: this.subjects.chatQueue(loaded.id),
        }),
      );
    }
    await this.#announcer.start();
  }

  get activeRequests(): number {
    return this.#active.size;
  }

  async #onRequest(loaded: LoadedModel, msg: BusMsg): Promise<void> {
    if (!msg.reply) return;
    let request: ChatRequest;
    try {
      request = decodeChatRequest(msg.data);
    } catch (err) {
      this.#reply(msg.reply, "", { case: "error", value: { code: "bad_request", message: (err as Error).message, status: 400 } });
      return;
    }
    const rid = request.requestId;
    let prompt: ReturnType<typeof renderPrompt>;
    let maxTokens: number;
    try {
      ({ prompt, maxTokens } = this.#prepare(loaded, request));
    } catch (err) {
      const e = err instanceof RequestRejected ? err : new RequestRejected(500, "internal_error", (err as Error).message);
      this.#reply(msg.reply, rid, { case: "error", value: { code: e.code, message: e.message, status: e.status } });
      return;
    }
    const abort = new AbortController();
    this.#active.set(rid, abort);
    // Subscribed before the accepted reply leaves, so a cancel sent right after it is never missed.
    const cancelSub = this.bus.subscribe(this.subjects.cancel(rid), () => abort.abort(new Error("cancelled")));
    const sender = new ChunkSender(this.bus, request.streamSubject, rid, this.options.coalesceMs, (err) => {
      this.options.log(`[${rid}] publish failed: ${(err as Error).message}; stopping`);
      abort.abort(err);
    });
    const send = (kind: ChatChunkKind) => sender.send(kind);
    this.#reply(msg.reply, rid, { case: "accepted", value: { workerId: this.options.workerId, promptTokens: prompt.tokens.length } });
    const heartbeat = setInterval(() => {
      if (sender.idleMs() >= this.options.heartbeatMs) send({ case: "heartbeat", value: {} });
      if (request.deadlineUnixMs > 0 && Date.now() > request.deadlineUnixMs) abort.abort(new Error("deadline"));
    }, this.options.heartbeatMs);
    let sequence: Awaited<ReturnType<typeof loaded.slots.acquire>> | undefined;
    try {
      sequence = await loaded.slots.acquire(abort.signal);
      const sampling = request.sampling;
      const result = await generate(
        loaded,
        sequence,
        {
          promptTokens: prompt.tokens,
          stopTokens: prompt.stopTokens,
          stopStrings: [...prompt.stopStrings, ...(sampling?.stop ?? [])],
          maxTokens,
          temperature: sampling?.temperature ?? 1,
          topP: sampling?.topP,
          seed: sampling?.seed,
        },
        { text: (text, count) => sender.token(text, count) },
        abort.signal,
      );
      if (result.finishReason === "cancelled") {
        this.#sendAbortReason(abort.signal, send, rid);
      } else {
        send({ case: "usage", value: { promptTokens: result.promptTokens, completionTokens: result.completionTokens } });
        send({ case: "done", value: { finishReason: result.finishReason } });
      }
    } catch (err) {
      if (abort.signal.aborted) this.#sendAbortReason(abort.signal, send, rid);
      else {
        this.options.log(`[${rid}] generation failed: ${(err as Error).stack ?? String(err)}`);
        send({ case: "error", value: { code: "internal_error", message: "generation failed on the worker", status: 500 } });
      }
    } finally {
      clearInterval(heartbeat);
      sender.close();
      cancelSub.unsubscribe();
      if (sequence) loaded.slots.release(sequence);
      this.#active.delete(rid);
    }
  }

  #sendAbortReason(signal: AbortSignal, send: (kind: ChatChunkKind) => void, rid: string): void {
    const reason = (signal.reason as Error | undefined)?.message ?? "cancelled";
    if (reason === "deadline") send({ case: "error", value: { code: "deadline_exceeded", message: "the request passed its deadline", status: 504 } });
    else send({ case: "error", value: { code: "cancelled", message: "the request was cancelled", status: 499 } });
    this.options.log(`[${rid}] stopped: ${reason}`);
  }

  #prepare(loaded: LoadedModel, request: ChatRequest): { prompt: ReturnType<typeof renderPrompt>; maxTokens: number } {
    if (request.messages.length === 0) throw new RequestRejected(400, "invalid_messages", "messages must not be empty");
    const prompt = renderPrompt(loaded.model, loaded.chatWrapper, request.messages);
    const room = loaded.contextWindow - prompt.tokens.length;
    if (room <= 0)
      throw new RequestRejected(
        400,
        "context_length_exceeded",
        `This model's maximum context length is ${loaded.contextWindow} tokens; the messages take ${prompt.tokens.length}.`,
      );
    const asked = request.sampling?.maxTokens;
    if (asked !== undefined && asked > room)
      throw new RequestRejected(
        400,
        "context_length_exceeded",
        `This model's maximum context length is ${loaded.contextWindow} tokens; the messages take ${prompt.tokens.length} and max_tokens asks for ${asked}.`,
      );
    return { prompt, maxTokens: asked ?? room };
  }

  #reply(subject: string, rid: string, kind: ChatChunkKind): void {
    try {
      this.bus.publish(subject, encodeChatChunk(rid, 0, kind));
    } catch (err) {
      this.options.log(`[${rid}] reply failed: ${(err as Error).message}`);
    }
  }

  /** Stops taking work, cancels what runs, and removes this worker from the registry. */
  async stop(): Promise<void> {
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs = [];
    for (const abort of this.#active.values()) abort.abort(new Error("worker shutting down"));
    await this.#announcer.stop();
  }
}
