/**
 * @module The gpu-node service. Takes ChatRequests on its own subject (the gateway chose
 * it) and on each model's queue group (the path while a gateway's registry is empty);
 * EmbedRequests likewise, served by embed-handler.ts.
 * A request it has no free slot for is refused at once (worker_busy); one it takes is
 * accepted with a reserved slot, then the model is loaded if need be (heartbeats go on
 * meanwhile), the prompt checked, `started` sent and the tokens streamed. Stops on cancel
 * or deadline; drains on request (no new work, running streams finish).
 */
import type { Bus, BusMsg, BusSubscription } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { type ChatChunkKind, type ChatRequest, decodeChatRequest, encodeChatChunk } from "@switchyard/shared/codec/chat-codec";
import { StatusAnnouncer } from "@switchyard/shared/registry/status-announcer";
import { ChunkSender } from "./chunk-sender.ts";
import { handleControl } from "./control-handler.ts";
import { type EmbedHandlerDeps, serveEmbed } from "./embed-handler.ts";
import { generate } from "./generate.ts";
import { generateWithTools } from "./tool-generation.ts";
import { sharedPrefix } from "./kv-reuse.ts";
import { prefixHashes } from "@switchyard/shared/llm/prefix-hash";
import { type CatalogModel, type LoadedModel, type ModelCatalog, ModelError } from "./model-catalog.ts";
import type { LlamaContextSequence } from "node-llama-cpp";
import { planRequest } from "./plan.ts";
import { llmStatus } from "./status.ts";
import type { WorkerMetrics } from "./worker-metrics.ts";

export interface LlmWorkerOptions {
  workerId: string;
  heartbeatMs: number;
  /** Longest a token waits to share a message with the next ones (0 = one message per token). */
  coalesceMs: number;
  statusIntervalMs: number;
  statusTtlMs: number;
  /** How often the models folder is looked at again for new or removed files; 0: never. */
  rescanMs: number;
  /** Keep slots' KV caches between requests and start from the longest shared prefix. */
  kvReuse: boolean;
  log: (message: string) => void;
}

export class LlmWorker {
  #subs: BusSubscription[] = [];
  /** Each model's queue-group subscriptions (the path while a gateway's registry is empty): chat, and embed for models that embed. */
  #groupSubs = new Map<string, BusSubscription[]>();
  #rescanTimer: NodeJS.Timeout | undefined;
  #active = new Map<string, AbortController>();
  #announcer: StatusAnnouncer;
  #draining = false;
  readonly #embed: EmbedHandlerDeps;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    readonly catalog: ModelCatalog,
    readonly metrics: WorkerMetrics,
    private readonly options: LlmWorkerOptions,
  ) {
    this.#announcer = new StatusAnnouncer(bus, subjects, llmStatus(catalog, Date.now(), () => this.#draining), options);
    this.#embed = {
      bus,
      subjects,
      catalog,
      metrics,
      workerId: options.workerId,
      heartbeatMs: options.heartbeatMs,
      log: options.log,
      draining: () => this.#draining,
      track: (rid, abort) => {
        this.#active.set(rid, abort);
        return () => this.#active.delete(rid);
      },
    };
  }

  /** Status changes (slots, loads) go out at once; the catalog calls this. */
  changed(): void {
    this.#announcer.changed();
  }

  async start(): Promise<void> {
    await this.bus.ready();
    const id = this.options.workerId;
    this.#subs.push(this.bus.subscribe(this.subjects.workerChat(id), (msg) => void this.#onRequest(msg)));
    this.#subs.push(this.bus.subscribe(this.subjects.workerEmbed(id), (msg) => void serveEmbed(this.#embed, msg)));
    this.#subs.push(
      this.bus.subscribe(this.subjects.workerControl(id), (msg) => void handleControl(this.bus, this.catalog, msg, () => this.#draining, this.options.log)),
    );
    this.#syncGroups();
    await this.#announcer.start();
    if (this.options.rescanMs > 0) {
      this.#rescanTimer = setInterval(() => void this.#rescan(), this.options.rescanMs);
      this.#rescanTimer.unref();
    }
  }

  /** One queue-group subscription per model in the catalog, no more, no less. */
  #syncGroups(): void {
    if (this.#draining) return;
    const models = new Map(this.catalog.models().map((m) => [m.id, m]));
    for (const [id, subs] of this.#groupSubs)
      if (!models.has(id)) {
        for (const sub of subs) sub.unsubscribe();
        this.#groupSubs.delete(id);
      }
    for (const [id, m] of models) {
      if (this.#groupSubs.has(id)) continue;
      const subs = [this.bus.subscribe(this.subjects.chat(id), (msg) => void this.#onRequest(msg), { queue: this.subjects.chatQueue(id) })];
      if (m.embeddingDimensions > 0) subs.push(this.bus.subscribe(this.subjects.embed(id), (msg) => void serveEmbed(this.#embed, msg), { queue: this.subjects.embedQueue(id) }));
      this.#groupSubs.set(id, subs);
    }
  }

  async #rescan(): Promise<void> {
    try {
      const { added, removed } = await this.catalog.rescan();
      if (added.length > 0 || removed.length > 0) this.#syncGroups();
    } catch (err) {
      this.options.log(`models folder rescan failed: ${(err as Error).message}`);
    }
  }

  get activeRequests(): number {
    return this.#active.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  async #onRequest(msg: BusMsg): Promise<void> {
    if (!msg.reply) return;
    let request: ChatRequest;
    try {
      request = decodeChatRequest(msg.data);
    } catch (err) {
      this.#reply(msg.reply, "", errorKind(400, "bad_request", (err as Error).message));
      return;
    }
    const rid = request.requestId;
    let model: CatalogModel;
    try {
      if (this.#draining) throw new ModelError(503, "worker_draining", "This worker is shutting down and takes no new requests.");
      model = this.catalog.reserve(request.model);
    } catch (err) {
      const e = err instanceof ModelError ? err : new ModelError(500, "internal_error", (err as Error).message);
      this.metrics.rejected.inc({ model: request.model, code: e.code });
      this.#reply(msg.reply, rid, errorKind(e.status, e.code, e.message));
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
    this.#reply(msg.reply, rid, { case: "accepted", value: { workerId: this.options.workerId } });
    const heartbeat = setInterval(() => {
      if (sender.idleMs() >= this.options.heartbeatMs) sender.send({ case: "heartbeat", value: {} });
      if (request.deadlineUnixMs > 0 && Date.now() > request.deadlineUnixMs) abort.abort(new Error("deadline"));
    }, this.options.heartbeatMs);
    let outcome = "error";
    try {
      const loaded = await this.catalog.ensureLoaded(model);
      outcome = await this.#run(model, loaded, request, sender, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) outcome = this.#sendAbortReason(abort.signal, sender, rid);
      else if (err instanceof ModelError) {
        this.metrics.rejected.inc({ model: model.id, code: err.code });
        sender.send(errorKind(err.status, err.code, err.message, err.param));
      } else {
        this.options.log(`[${rid}] generation failed: ${(err as Error).stack ?? String(err)}`);
        sender.send(errorKind(500, "internal_error", "generation failed on the worker"));
      }
    } finally {
      clearInterval(heartbeat);
      sender.close();
      cancelSub.unsubscribe();
      this.#active.delete(rid);
      this.metrics.requests.inc({ model: model.id, outcome });
      this.catalog.release(model, request.keepAliveMs);
    }
  }

  /** Checks the request against the loaded model, then generates; returns the outcome for metrics. */
  async #run(model: CatalogModel, loaded: LoadedModel, request: ChatRequest, sender: ChunkSender, signal: AbortSignal): Promise<string> {
    if (signal.aborted) return this.#sendAbortReason(signal, sender, request.requestId);
    const { prompt, maxTokens, decoding } = await planRequest(loaded, request, model.maxOutputTokens);
    sender.send({ case: "started", value: { promptTokens: prompt.tokens.length } });
    // Never waits: the reservation taken before accepting guarantees a free sequence.
    const reuse = this.options.kvReuse;
    const sequence = reuse ? await loaded.slots.acquireBest((s) => sharedPrefix(s, prompt.tokens), signal) : await loaded.slots.acquire(signal);
    this.metrics.generationStarted(model.id);
    const started = performance.now();
    // What this slot's cache will hold: the prompt now, the reply too once it is complete.
    const chat = request.rawPrompt === undefined;
    if (reuse) loaded.prefixes.set(sequence, chat ? prefixHashes(request.messages) : []);
    let reply = "";
    try {
      const sampling = request.sampling;
      const sink = {
        text: (text: string, count: number) => {
          reply += text;
          sender.token(text, count);
        },
        toolCall: (index: number, id: string | undefined, name: string | undefined, args: string) =>
          sender.send({ case: "toolCall", value: { index, call: { id: id ?? "", name: name ?? "", arguments: args } } }),
      };
      const common = { temperature: sampling?.temperature ?? 1, topP: sampling?.topP, seed: sampling?.seed, maxTokens, reuse, promptTokens: prompt.tokens };
      const stopStrings = [...prompt.stopStrings, ...(sampling?.stop ?? [])];
      const result =
        decoding.kind === "tools"
          ? await generateWithTools(sequence, decoding, { ...common, stopStrings }, sink, signal)
          : await generate(loaded, sequence, { ...common, stopTokens: prompt.stopTokens, stopStrings, grammar: decoding.kind === "grammar" ? decoding.grammar : undefined }, sink, signal);
      this.metrics.tokens.inc({ model: model.id }, result.completionTokens);
      this.metrics.promptTokens.inc({ model: model.id, source: "evaluated" }, result.promptTokens - result.cachedTokens);
      this.metrics.promptTokens.inc({ model: model.id, source: "cached" }, result.cachedTokens);
      this.catalog.recordSpeed(model, result.completionTokens, performance.now() - started);
      if (result.finishReason === "cancelled") return this.#sendAbortReason(signal, sender, request.requestId);
      if (reuse && chat && decoding.kind !== "tools") loaded.prefixes.set(sequence, prefixHashes([...request.messages, { role: "assistant", content: reply }]));
      sender.send({ case: "usage", value: { promptTokens: result.promptTokens, completionTokens: result.completionTokens, cachedTokens: result.cachedTokens } });
      sender.send({ case: "done", value: { finishReason: result.finishReason } });
      return "complete";
    } finally {
      this.metrics.generationEnded(model.id);
      if (reuse) loaded.slots.release(sequence);
      else clearAndRelease(loaded, sequence, this.options.log);
    }
  }

  #sendAbortReason(signal: AbortSignal, sender: ChunkSender, rid: string): string {
    const reason = (signal.reason as Error | undefined)?.message ?? "cancelled";
    if (reason === "deadline") sender.send(errorKind(504, "deadline_exceeded", "the request passed its deadline"));
    else if (reason === "worker shutting down") sender.send(errorKind(503, "worker_shutdown", "the worker shut down before the reply was complete"));
    else sender.send(errorKind(499, "cancelled", "the request was cancelled"));
    this.options.log(`[${rid}] stopped: ${reason}`);
    return reason === "deadline" ? "deadline" : "cancelled";
  }

  #reply(subject: string, rid: string, kind: ChatChunkKind): void {
    try {
      this.bus.publish(subject, encodeChatChunk(rid, 0, kind));
    } catch (err) {
      this.options.log(`[${rid}] reply failed: ${(err as Error).message}`);
    }
  }

  /**
   * Stops taking work and tells the gateways at once, lets running streams finish for up to
   * graceMs, then cuts the rest with an error. The worker stays in the registry (draining)
   * until stop().
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    clearInterval(this.#rescanTimer);
    for (const sub of [...this.#groupSubs.values()].flat()) sub.unsubscribe();
    this.#groupSubs.clear();
    await this.#announcer.announceNow();
    this.options.log(`draining: ${this.#active.size} running, up to ${graceMs} ms`);
    const until = Date.now() + graceMs;
    while (this.#active.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    if (this.#active.size > 0) this.options.log(`drain grace passed: cutting ${this.#active.size} streams`);
  }

  /** Stops taking work, cancels what runs, and removes this worker from the registry. */
  async stop(): Promise<void> {
    this.#draining = true;
    clearInterval(this.#rescanTimer);
    for (const sub of [...this.#subs, ...[...this.#groupSubs.values()].flat()]) sub.unsubscribe();
    this.#subs = [];
    this.#groupSubs.clear();
    for (const abort of this.#active.values()) abort.abort(new Error("worker shutting down"));
    await this.#announcer.stop();
  }
}

/**
 * Without reuse: clears the sequence, then gives it back, so the next request's clear is a
 * no-op. The slot's reservation is released separately, at once.
 */
function clearAndRelease(loaded: LoadedModel, sequence: LlamaContextSequence, log: (m: string) => void): void {
  sequence.clearHistory().then(
    () => loaded.slots.release(sequence),
    (err: Error) => {
      // A disposed context (model unloaded) has nothing left to clear.
      if (!loaded.context.disposed) log(`could not clear a sequence of ${loaded.id}: ${err.message}`);
      loaded.slots.release(sequence);
    },
  );
}

const errorKind = (status: number, code: string, message: string, param = ""): ChatChunkKind => ({ case: "error", value: { code, message, status, param } });
