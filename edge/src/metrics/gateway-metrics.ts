/**
 * @module The gateway's Prometheus metrics (prom-client, a registry of its own per gateway):
 * requests, latency, time to first token and tokens per model and target; the pool's slots
 * and queues; model states as the workers report them; the bus connection; response-cache lookups.
 */
import type { Bus } from "@switchyard/shared/bus/bus";
import type { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CacheStatus } from "../cache/cache-plan.ts";
import type { PoolDispatcher } from "../pool/pool-dispatcher.ts";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Model names come from clients, and prom-client never drops a series: past this many distinct
 * names, a new one is counted as OVERFLOW_LABEL (OpenTelemetry's cardinality limit does the same).
 */
const MAX_MODEL_LABELS = 1_000;
/** A name nothing serves (404, no target): one series for all of them, not one per made-up name. */
export const UNKNOWN_MODEL_LABEL = "(unknown)";
/** Models and targets past MAX_MODEL_LABELS. */
export const OVERFLOW_LABEL = "(other)";
/** The target of a call that no provider answered (start-routed-chat.ts, embeddings.ts). */
const NO_TARGET = "none";

/** One (model, target)'s children of the per-call metrics. */
interface CallSeries {
  /** The labels it counts under (a client's name, UNKNOWN_MODEL_LABEL or OVERFLOW_LABEL). */
  model: string;
  target: string;
  requests: Map<number, Counter.Internal>;
  latency: Histogram.Internal<"model" | "target">;
  ttft: Histogram.Internal<"model" | "target">;
  prompt: Counter.Internal;
  completion: Counter.Internal;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"model" | "target" | "status">;
  readonly latency: Histogram<"model" | "target">;
  readonly ttft: Histogram<"model" | "target">;
  readonly tokens: Counter<"model" | "target" | "kind">;
  readonly queueWait: Histogram<"model" | "outcome">;
  readonly resumes: Counter<"model" | "outcome">;
  readonly #cache: Counter<"model" | "result">;
  /**
   * Each call's series, made once. A labels object per call cost more than it looks: on Node 20
   * `{ ...labels, status }` builds a new hidden class every time (~0.4 µs), and those live in
   * the old generation until a full GC: per request they were a sixth of all the memory that
   * outlived the young generation. Bounded: at most MAX_MODEL_LABELS names, each with its targets.
   */
  readonly #series = new Map<string, CallSeries>();
  /** The model names that have a label of their own (at most MAX_MODEL_LABELS). */
  readonly #modelLabels = new Set<string>();
  #unknown: CallSeries | undefined;
  #overflow: CallSeries | undefined;

  constructor(bus: Bus, registry: WorkerRegistry, pool: PoolDispatcher) {
    const registers = [this.registry];
    this.requests = new Counter({ name: "switchyard_requests_total", help: "Requests (chat, embeddings) by model, target and HTTP status", labelNames: ["model", "target", "status"], registers });
    this.latency = new Histogram({ name: "switchyard_request_duration_seconds", help: "Time from request to last byte", labelNames: ["model", "target"], buckets: LATENCY_BUCKETS, registers });
    this.ttft = new Histogram({ name: "switchyard_time_to_first_token_seconds", help: "Time from request to first token", labelNames: ["model", "target"], buckets: LATENCY_BUCKETS, registers });
    this.tokens = new Counter({ name: "switchyard_tokens_total", help: "Tokens by kind (prompt, completion)", labelNames: ["model", "target", "kind"], registers });
    this.resumes = new Counter({
      name: "switchyard_stream_resumes_total",
      help: "Local streams whose worker died mid-generation: resumed on another worker, or ended with an error (exhausted)",
      labelNames: ["model", "outcome"],
      registers,
    });
    this.#cache = new Counter({ name: "switchyard_cache_requests_total", help: "Chat requests on routes with a response cache, by result (hit, miss, bypass)", labelNames: ["model", "result"], registers });
    this.queueWait = new Histogram({ name: "switchyard_queue_wait_seconds", help: "Time requests waited for a slot, by outcome", labelNames: ["model", "outcome"], buckets: LATENCY_BUCKETS, registers });
    const slots = (name: string, help: string, pick: (m: { slotsTotal: number; slotsBusy: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["model"],
        registers,
        collect() {
          this.reset();
          const sums = new Map<string, number>();
          for (const w of registry.workers()) if ((w.kind || "llm") === "llm") for (const m of w.models) sums.set(m.id, (sums.get(m.id) ?? 0) + pick(m));
          for (const [model, n] of sums) this.set({ model }, n);
        },
      });
    slots("switchyard_pool_slots_total", "Slots in the pool per model", (m) => m.slotsTotal);
    slots("switchyard_pool_slots_busy", "Busy slots in the pool per model", (m) => m.slotsBusy);
    new Gauge({
      name: "switchyard_pool_models",
      help: "Workers holding each model, by state (available, loading, loaded, failed)",
      labelNames: ["model", "state"],
      registers,
      collect() {
        this.reset();
        const counts = new Map<string, { model: string; state: string; n: number }>();
        for (const w of registry.workers())
          for (const m of w.models) {
            const k = `${m.id}\u0000${m.state}`;
            const c = counts.get(k) ?? { model: m.id, state: m.state, n: 0 };
            c.n += 1;
            counts.set(k, c);
          }
        for (const c of counts.values()) this.set({ model: c.model, state: c.state }, c.n);
      },
    });
    new Gauge({
      name: "switchyard_queue_length",
      help: "Requests waiting for a slot, per model",
      labelNames: ["model"],
      registers,
      collect() {
        this.reset();
        for (const q of pool.queues()) this.set({ model: q.model }, q.length);
      },
    });
    new Gauge({
      name: "switchyard_pool_workers",
      help: "Live workers in the registry, by kind",
      labelNames: ["kind"],
      registers,
      collect() {
        this.reset();
        for (const w of registry.workers()) this.inc({ kind: w.kind || "llm" });
      },
    });
    new Gauge({
      name: "switchyard_nats_connected",
      help: "1 while the bus is connected",
      labelNames: ["bus"],
      registers,
      collect() {
        this.set({ bus: bus.kind }, bus.isConnected() ? 1 : 0);
      },
    });
  }

  /** One finished chat or embeddings call (embeddings: no time to first token, no completion tokens). */
  observe(model: string, target: string, status: number, latencyMs: number, ttftMs: number | null, promptTokens: number, completionTokens: number): void {
    const series = this.#seriesOf(model, target, status);
    let requests = series.requests.get(status);
    if (!requests) {
      requests = this.requests.labels(series.model, series.target, String(status));
      series.requests.set(status, requests);
    }
    requests.inc();
    series.latency.observe(latencyMs / 1000);
    if (ttftMs !== null) series.ttft.observe(ttftMs / 1000);
    if (promptTokens > 0) series.prompt.inc(promptTokens);
    if (completionTokens > 0) series.completion.inc(completionTokens);
  }

  /** A response-cache lookup on a route that has a cache (glob routes take names from clients too). */
  observeCache(model: string, result: CacheStatus): void {
    this.#cache.inc({ model: this.#modelLabel(model), result });
  }

  #modelLabel(model: string): string {
    if (this.#modelLabels.has(model)) return model;
    if (this.#modelLabels.size >= MAX_MODEL_LABELS) return OVERFLOW_LABEL;
    this.#modelLabels.add(model);
    return model;
  }

  #seriesOf(model: string, target: string, status: number): CallSeries {
    if (status === 404 && target === NO_TARGET) {
      this.#unknown ??= this.#newSeries(UNKNOWN_MODEL_LABEL, NO_TARGET);
      return this.#unknown;
    }
    const key = `${model}\u0000${target}`;
    let series = this.#series.get(key);
    if (series) return series;
    // A glob route's target carries the client's name as well: it overflows with it.
    if (this.#modelLabel(model) === OVERFLOW_LABEL) {
      this.#overflow ??= this.#newSeries(OVERFLOW_LABEL, OVERFLOW_LABEL);
      return this.#overflow;
    }
    series = this.#newSeries(model, target);
    this.#series.set(key, series);
    return series;
  }

  #newSeries(model: string, target: string): CallSeries {
    return {
      model,
      target,
      requests: new Map(),
      latency: this.latency.labels(model, target),
      ttft: this.ttft.labels(model, target),
      prompt: this.tokens.labels(model, target, "prompt"),
      completion: this.tokens.labels(model, target, "completion"),
    };
  }
}
