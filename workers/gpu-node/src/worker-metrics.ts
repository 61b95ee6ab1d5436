/** @module gpu-node's Prometheus metrics (prom-client, one registry per worker, never the global one). */
import { Counter, Gauge, Registry } from "prom-client";
import type { ModelCatalog } from "./model-catalog.ts";

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"model" | "outcome">;
  readonly rejected: Counter<"model" | "code">;
  readonly tokens: Counter<"model">;
  /** Prompt tokens by where they came from: evaluated, or reused from a slot's KV cache. */
  readonly promptTokens: Counter<"model" | "source">;
  readonly modelEvents: Counter<"model" | "event" | "cause">;
  /** Embedding vectors computed, and the tokens evaluated for them. */
  readonly embeddings: Counter<"model">;
  readonly embeddingTokens: Counter<"model">;
  /** Generations running now, and the most ever at once, per model: never above the slots. */
  readonly #generating = new Map<string, { now: number; peak: number }>();

  constructor(catalog: ModelCatalog, workerId: string, busConnected: () => boolean) {
    this.registry.setDefaultLabels({ worker: workerId });
    const registers = [this.registry];
    this.requests = new Counter({ name: "switchyard_worker_requests_total", help: "Requests taken, by outcome", labelNames: ["model", "outcome"], registers });
    this.rejected = new Counter({ name: "switchyard_worker_rejected_total", help: "Requests refused before they started (busy, draining, memory)", labelNames: ["model", "code"], registers });
    this.tokens = new Counter({ name: "switchyard_worker_tokens_generated_total", help: "Tokens generated", labelNames: ["model"], registers });
    this.promptTokens = new Counter({
      name: "switchyard_worker_prompt_tokens_total",
      help: "Prompt tokens of finished generations: evaluated, or cached (reused from the slot's KV cache)",
      labelNames: ["model", "source"],
      registers,
    });
    this.embeddings = new Counter({ name: "switchyard_worker_embeddings_total", help: "Embedding vectors computed", labelNames: ["model"], registers });
    this.embeddingTokens = new Counter({ name: "switchyard_worker_embedding_tokens_total", help: "Tokens evaluated for embeddings", labelNames: ["model"], registers });
    this.modelEvents = new Counter({ name: "switchyard_worker_model_events_total", help: "Model loads, failed loads and unloads", labelNames: ["model", "event", "cause"], registers });
    const perModel = (name: string, help: string, value: (id: string) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["model"],
        registers,
        collect() {
          for (const m of catalog.models()) this.set({ model: m.id }, value(m.id));
        },
      });
    perModel("switchyard_worker_slots_total", "Slots per model", (id) => catalog.get(id)?.slotsTotal ?? 0);
    perModel("switchyard_worker_slots_busy", "Slots reserved (generating or waiting for a load)", (id) => catalog.get(id)?.reserved ?? 0);
    perModel("switchyard_worker_model_loaded", "1 while the model is in memory", (id) => (catalog.get(id)?.state === "loaded" ? 1 : 0));
    perModel("switchyard_worker_generations_running", "Generations running now", (id) => this.#generating.get(id)?.now ?? 0);
    perModel("switchyard_worker_generations_peak", "Most generations ever running at once", (id) => this.#generating.get(id)?.peak ?? 0);
    new Gauge({
      name: "switchyard_worker_memory_bytes",
      help: "Estimated memory of the loaded models, and the budget",
      labelNames: ["kind"],
      registers,
      collect() {
        this.set({ kind: "used" }, catalog.usedMemoryBytes());
        this.set({ kind: "budget" }, catalog.memoryBudgetBytes);
      },
    });
    new Gauge({
      name: "switchyard_worker_nats_connected",
      help: "1 while the bus is connected",
      registers,
      collect() {
        this.set(busConnected() ? 1 : 0);
      },
    });
  }

  generationStarted(model: string): void {
    const g = this.#generating.get(model) ?? { now: 0, peak: 0 };
    g.now += 1;
    g.peak = Math.max(g.peak, g.now);
    this.#generating.set(model, g);
  }

  generationEnded(model: string): void {
    const g = this.#generating.get(model);
    if (g) g.now -= 1;
  }
}
