/**
 * @module Slot-exact dispatch to the gpu-node pool. A request starts only on a worker that
 * has a free slot for its model, as this gateway sees it: the worker's last status (sent at
 * every slot change) and the requests this gateway has in flight there, whichever is
 * higher. Other gateways make that picture stale, so the worker has the last word: it
 * answers worker_busy at once, and the request goes back to the head of the queue. While
 * every slot is taken, requests wait in a bounded FIFO queue per model; a full queue is a
 * 429 and a wait past the limit a 503, each with a retry-after from the backlog ahead and
 * the pool's measured service time. A request whose worker dies before it started is sent
 * once to another worker. Chat streams (run) and one-shot calls such as embeddings (call)
 * share the slots, the queue and these retries; each goes to its own subject on the worker,
 * and embeddings only to workers that announce the model can embed.
 */
import { unref } from "@switchyard/shared/timers";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { GatewayError, serviceUnavailable } from "@switchyard/shared/errors";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { BusyMarks, ServiceTimes } from "./busy-marks.ts";
import { type Candidate, type DispatchMode, pickWorker, retryAfterSeconds } from "./pick-worker.ts";
import { PrefixIndex, type RequestPrefix } from "./prefix-match.ts";
import type { Claim, PoolOptions, ResumePoint, RunOptions, Waiter, Work } from "./run-options.ts";
import { cancelled, queueFull, queueTimeout } from "./queue-errors.ts";

/** Errors after which the same request may go to another worker (nothing reached the client yet). */
const WORKER_REFUSED = new Set(["worker_busy", "worker_draining"]);
const WORKER_DEAD = new Set(["worker_lost", "worker_timeout", "no_worker_available", "worker_shutdown"]);
const WORKER_CANNOT = new Set(["model_load_failed", "insufficient_memory"]);
/** A busy answer on the queue-group path is retried after this long. */
const GROUP_RETRY_MS = 100;
/** A worker that answered busy is left out until its next status, or this long at most. */
const BUSY_MARK_MS = 1_000;
/** Service time assumed for retry-after until one is measured. */
const DEFAULT_SERVICE_MS = 1_000;

export class PoolDispatcher {
  readonly #queues = new Map<string, Waiter[]>();
  readonly #inFlight = new Map<string, number>();
  readonly #busy = new BusyMarks();
  readonly #serviceMs = new ServiceTimes();
  readonly #prefixes = new PrefixIndex();
  #turn = 0;
  #ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly subjects: Subjects,
    private readonly options: PoolOptions,
  ) {
    registry.onChange(() => this.#pumpAll());
  }

  /**
   * Streams a chat through the pool: waits for a slot, starts it, retries as the protocol
   * allows. A worker that dies mid-generation (silence, lost connection, shut down past its
   * grace) is left out and the stream goes on on another worker from what the client already
   * has, up to `resumes` times: the client sees one stream, with usage summed over workers.
   */
  async *run(
    model: string,
    mode: DispatchMode,
    signal: AbortSignal,
    start: (subject: string, resume: ResumePoint | undefined) => AsyncGenerator<ChatEvent, void, undefined>,
    opts: RunOptions = {},
  ): AsyncGenerator<ChatEvent, void, undefined> {
    const state = { resumed: false };
    try {
      yield* this.#stream(model, mode, signal, start, opts, state);
    } catch (err) {
      // A resumed stream that could not be finished anywhere.
      if (state.resumed && !signal.aborted) this.options.onResume?.(model, "exhausted");
      throw err;
    }
  }

  async *#stream(
    model: string,
    mode: DispatchMode,
    signal: AbortSignal,
    start: (subject: string, resume: ResumePoint | undefined) => AsyncGenerator<ChatEvent, void, undefined>,
    opts: RunOptions,
    state: { resumed: boolean },
  ): AsyncGenerator<ChatEvent, void, undefined> {
    const since = Date.now();
    const retry: RetryState = { exclude: new Set<string>(), front: false, resent: false, lastError: undefined };
    let resumesLeft = opts.resumes ?? 0;
    let resume: ResumePoint | undefined;
    // What earlier workers of this stream used: added to the last one's usage.
    let earlierPrompt = 0;
    const sent: ResumePoint = { text: "", tokens: 0 };
    for (;;) {
      const claim = await this.#claim(model, "chat", mode, signal, { ...retry, since, prefix: opts.prefix });
      const events = start(claim.subject, resume);
      let first: IteratorResult<ChatEvent, void>;
      try {
        first = await events.next();
      } catch (err) {
        this.#release(model, claim, false);
        this.#retryOrThrow(model, "chat", claim, GatewayError.from(err), signal, retry, "before starting");
        continue;
      }
      let ok = false;
      let died: GatewayError | undefined;
      let attemptPrompt = 0;
      try {
        for (let it = first; !it.done; it = await events.next()) {
          const e = it.value;
          if (e.type === "accepted") {
            attemptPrompt = e.promptTokens ?? 0;
            // The client has its accepted event from the first worker.
            if (resume) continue;
          } else if (e.type === "token") {
            sent.text += e.text;
            sent.tokens += e.count;
          } else if (e.type === "usage" && resume) {
            yield { ...e, promptTokens: earlierPrompt + e.promptTokens, completionTokens: resume.tokens + e.completionTokens };
            continue;
          }
          yield e;
        }
        ok = true;
      } catch (err) {
        const e = GatewayError.from(err);
        const dead = !signal.aborted && claim.workerId !== undefined && WORKER_DEAD.has(e.code ?? "");
        if (!dead || resumesLeft === 0) throw err;
        died = e;
      } finally {
        // A consumer that stops early must stop the worker too.
        if (!ok && !died) await events.return(undefined);
        this.#release(model, claim, ok);
      }
      if (ok) return;
      // The worker died mid-generation: go on elsewhere from what the client already has.
      resumesLeft -= 1;
      earlierPrompt += attemptPrompt;
      resume = { text: sent.text, tokens: sent.tokens };
      this.options.log?.(`worker ${claim.workerId} died mid-stream (${died?.code}) after ${sent.tokens} tokens; resuming on another worker`);
      this.options.onResume?.(model, "resumed");
      state.resumed = true;
      this.registry.forget(claim.workerId!);
      retry.exclude.add(claim.workerId!);
      retry.lastError = died;
      retry.front = true;
    }
  }

  /**
   * One request answered as a whole (embeddings), through the same slots, queue and retries as
   * a chat. Nothing reaches the client before it ends, so a worker that dies at any point, not
   * only before it started, gets the request sent once to another worker.
   */
  async call<T>(model: string, work: Work, mode: DispatchMode, signal: AbortSignal, send: (subject: string) => Promise<T>): Promise<T> {
    const since = Date.now();
    const retry: RetryState = { exclude: new Set<string>(), front: false, resent: false, lastError: undefined };
    for (;;) {
      const claim = await this.#claim(model, work, mode, signal, { ...retry, since, prefix: undefined });
      let result: T;
      try {
        result = await send(claim.subject);
      } catch (err) {
        this.#release(model, claim, false);
        this.#retryOrThrow(model, work, claim, GatewayError.from(err), signal, retry, "mid-request");
        continue;
      }
      this.#release(model, claim, true);
      return result;
    }
  }

  /** After a failed attempt: marks, leaves out or forgets the worker so the next attempt goes elsewhere, or throws when no retry helps. */
  #retryOrThrow(model: string, work: Work, claim: Claim, e: GatewayError, signal: AbortSignal, retry: RetryState, when: string): void {
    const code = e.code ?? "";
    if (signal.aborted) throw e;
    if (claim.workerId === undefined) {
      // The queue-group path: NATS picked a worker that was full; try again shortly.
      if (code !== "worker_busy") throw e;
      this.#busy.mark(groupKey(model, work), -1, GROUP_RETRY_MS);
      retry.front = true;
      return;
    }
    if (WORKER_REFUSED.has(code)) {
      this.#busy.mark(key(claim.workerId, model), this.registry.worker(claim.workerId)?.statusSeq ?? 0, BUSY_MARK_MS);
    } else if (WORKER_DEAD.has(code) && !retry.resent) {
      retry.resent = true;
      this.options.log?.(`worker ${claim.workerId} failed ${when} (${code}); sending the request to another worker`);
      this.registry.forget(claim.workerId);
      retry.exclude.add(claim.workerId);
    } else if (WORKER_CANNOT.has(code)) {
      retry.exclude.add(claim.workerId);
    } else throw e;
    retry.lastError = e;
    retry.front = true;
  }

  /** Queue lengths and measured service times per model the pool serves or someone waits for, for /admin/workers and metrics. */
  queues(): Array<{ model: string; length: number; serviceMs: number }> {
    const models = new Set<string>();
    for (const w of this.registry.workers()) if ((w.kind || "llm") === "llm") for (const m of w.models) models.add(m.id);
    for (const model of this.#queues.keys()) models.add(model);
    return [...models].map((model) => ({ model, length: this.queueLength(model), serviceMs: this.#serviceMs.of(model) ?? 0 }));
  }

  queueLength(model: string): number {
    return this.#queues.get(model)?.length ?? 0;
  }

  async #claim(
    model: string,
    work: Work,
    mode: DispatchMode,
    signal: AbortSignal,
    o: { exclude: ReadonlySet<string>; front: boolean; since: number; lastError: GatewayError | undefined; prefix: RequestPrefix | undefined },
  ): Promise<Claim> {
    if (signal.aborted) throw cancelled();
    const waiting = this.#queues.get(model)?.length ?? 0;
    if (waiting === 0 || o.front) {
      const claim = this.#tryGrant(model, work, mode, o.exclude, o.lastError, o.prefix);
      if (claim) return claim;
    }
    if (!o.front && waiting >= this.options.queueMax) {
      this.options.onQueueWait?.(model, 0, "full");
      throw this.#queueError(429, model, waiting);
    }
    const queue = this.#queue(model);
    return new Promise<Claim>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        // Model names come from clients: a queue lives only while someone waits in it.
        if (queue.length === 0 && this.#queues.get(model) === queue) this.#queues.delete(model);
      };
      const waiter: Waiter = {
        work,
        mode,
        exclude: o.exclude,
        lastError: o.lastError,
        prefix: o.prefix,
        grant: (claim) => {
          done();
          this.options.onQueueWait?.(model, (Date.now() - o.since) / 1000, "granted");
          resolve(claim);
        },
        fail: (err) => {
          done();
          reject(err);
        },
      };
      const timer = setTimeout(
        () => {
          const ahead = queue.indexOf(waiter);
          done();
          this.options.onQueueWait?.(model, (Date.now() - o.since) / 1000, "timeout");
          reject(this.#queueError(503, model, Math.max(0, ahead)));
        },
        Math.max(0, o.since + this.options.queueTimeoutMs - Date.now()),
      );
      // A client that goes away leaves the queue at once.
      const onAbort = () => {
        done();
        this.options.onQueueWait?.(model, (Date.now() - o.since) / 1000, "cancelled");
        reject(cancelled());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      if (o.front) queue.unshift(waiter);
      else queue.push(waiter);
      this.#startTicker();
    });
  }

  /** A claim on a free slot now, undefined if none is free, or an error if nothing can ever serve it. */
  #tryGrant(model: string, work: Work, mode: DispatchMode, exclude: ReadonlySet<string>, lastError: GatewayError | undefined, prefix: RequestPrefix | undefined): Claim | undefined {
    const candidates = mode === "queue-group" ? undefined : this.#candidates(model, work, exclude, mode === "prefix" ? prefix : undefined);
    if (candidates === undefined) {
      if (this.#busy.holds(groupKey(model, work), -1)) return undefined;
      return { workerId: undefined, subject: work === "embed" ? this.subjects.embed(model) : this.subjects.chat(model), grantedAt: performance.now() };
    }
    if (candidates.length === 0) throw lastError ?? serviceUnavailable(`No worker is available for model '${model}'.`, "no_worker_available");
    const pick = pickWorker(candidates, mode, this.#turn++);
    if (!pick) return undefined;
    const k = key(pick.workerId, model);
    this.#inFlight.set(k, (this.#inFlight.get(k) ?? 0) + 1);
    const subject = work === "embed" ? this.subjects.workerEmbed(pick.workerId) : this.subjects.workerChat(pick.workerId);
    return { workerId: pick.workerId, subject, grantedAt: performance.now() };
  }

  /** Workers that serve the model (for embeddings: that embed with it) and take work; undefined when the registry knows none (queue-group path). */
  #candidates(model: string, work: Work, exclude: ReadonlySet<string>, prefix: RequestPrefix | undefined): Candidate[] | undefined {
    let known = false;
    const out: Candidate[] = [];
    for (const w of this.registry.workers()) {
      if ((w.kind || "llm") !== "llm") continue;
      const m = w.models.find((x) => x.id === model);
      if (!m || (work === "embed" && m.embeddingDimensions === 0)) continue;
      known = true;
      if (w.draining || m.state === "failed" || exclude.has(w.workerId)) continue;
      const k = key(w.workerId, model);
      const busy = Math.max(m.slotsBusy, this.#inFlight.get(k) ?? 0);
      const free = this.#busy.holds(k, w.statusSeq) ? 0 : m.slotsTotal - busy;
      out.push({ workerId: w.workerId, state: m.state, free, busy, tokensPerSecond: m.tokensPerSecond, cachedChars: prefix ? this.#prefixes.cachedChars(m.slotPrefixes, prefix) : 0 });
    }
    return known ? out : undefined;
  }

  #release(model: string, claim: Claim, completed: boolean): void {
    if (claim.workerId !== undefined) {
      const k = key(claim.workerId, model);
      const n = (this.#inFlight.get(k) ?? 1) - 1;
      if (n > 0) this.#inFlight.set(k, n);
      else this.#inFlight.delete(k);
    }
    if (completed) this.#serviceMs.record(model, performance.now() - claim.grantedAt);
    this.#pump(model);
  }

  #pump(model: string): void {
    const queue = this.#queues.get(model);
    while (queue && queue.length > 0) {
      const head = queue[0]!;
      let claim: Claim | undefined;
      try {
        claim = this.#tryGrant(model, head.work, head.mode, head.exclude, head.lastError, head.prefix);
      } catch (err) {
        head.fail(GatewayError.from(err));
        continue;
      }
      if (!claim) return;
      head.grant(claim);
    }
  }

  #pumpAll(): void {
    for (const model of this.#queues.keys()) this.#pump(model);
  }

  /** Statuses from other gateways' work and expiring busy marks free slots too: look again every 100 ms. */
  #startTicker(): void {
    if (this.#ticker) return;
    this.#ticker = setInterval(() => {
      this.#pumpAll();
      if (this.#queues.size === 0) {
        clearInterval(this.#ticker);
        this.#ticker = undefined;
      }
    }, GROUP_RETRY_MS);
    unref(this.#ticker);
  }

  #queue(model: string): Waiter[] {
    let q = this.#queues.get(model);
    if (!q) {
      q = [];
      this.#queues.set(model, q);
    }
    return q;
  }

  #slots(model: string): number {
    let slots = 0;
    for (const w of this.registry.workers()) {
      const m = w.models.find((x) => x.id === model);
      if (m && !w.draining && m.state !== "failed") slots += m.slotsTotal;
    }
    return slots;
  }

  #queueError(status: 429 | 503, model: string, ahead: number): GatewayError {
    const retryAfter = retryAfterSeconds(ahead, this.#serviceMs.of(model) ?? DEFAULT_SERVICE_MS, this.#slots(model));
    return status === 429 ? queueFull(model, this.options.queueMax, retryAfter) : queueTimeout(model, this.options.queueTimeoutMs, retryAfter);
  }

  stop(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }
}

const key = (workerId: string, model: string) => `${workerId}\u0000${model}`;
/** The busy mark of a model's queue group (no worker id: NATS picks). */
const groupKey = (model: string, work: Work) => `\u0000group\u0000${work}\u0000${model}`;

/** What a request has learned from its failed attempts, for the next one. */
interface RetryState {
  exclude: Set<string>;
  /** Go to the head of the queue: it has waited its turn already. */
  front: boolean;
  /** Sent once to another worker after one died. */
  resent: boolean;
  lastError: GatewayError | undefined;
}
