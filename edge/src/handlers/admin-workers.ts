/** @module GET /admin/workers: every live worker with its models, slots, GPU and memory, and the gateway's queues. */
import type { WorkerStatus } from "@switchyard/shared/codec/chat-codec";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";

const iso = (unixMs: number) => (unixMs > 0 ? new Date(unixMs).toISOString() : null);

export const workerView = (w: WorkerStatus) => ({
  id: w.workerId,
  object: "worker",
  kind: w.kind || "llm",
  host: w.host,
  version: w.version,
  draining: w.draining,
  started_at: iso(w.startedUnixMs),
  updated_at: iso(w.updatedUnixMs),
  slots: { total: w.slotsTotal, busy: w.slotsBusy },
  // Workers never queue (a request without a free slot is refused); the gateways' queues are below.
  queue_depth: w.queueDepth,
  gpu: { name: w.gpuName, free_bytes: w.gpuFreeBytes },
  memory: { budget_bytes: w.memoryBudgetBytes, used_bytes: w.memoryUsedBytes },
  models: w.models.map((m) => ({
    id: m.id,
    state: m.state || (m.loaded ? "loaded" : "available"),
    slots: { total: m.slotsTotal, busy: m.slotsBusy },
    capabilities: m.capabilities,
    ...(m.embeddingDimensions > 0 ? { embedding_dimensions: m.embeddingDimensions } : {}),
    context_window: m.contextWindow,
    memory_bytes: m.memoryBytes,
    tokens_per_second: Math.round(m.tokensPerSecond),
    keep_alive_ms: m.keepAliveMs,
    last_used_at: iso(m.lastUsedUnixMs),
    ...(m.error ? { error: m.error } : {}),
  })),
});

export function listWorkers(c: Context<AppEnv>) {
  const { registry, pool } = c.var.deps;
  const workers = registry.workers().sort((a, b) => a.workerId.localeCompare(b.workerId));
  return c.json({
    object: "list",
    data: workers.map(workerView),
    queues: pool.queues().map((q) => ({ model: q.model, length: q.length, service_ms: Math.round(q.serviceMs) })),
  });
}
