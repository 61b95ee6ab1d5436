/** @module GET /admin/workers: every live worker with its models, slots, GPU and memory, and the gateway's queues. */
import type { WorkerStatus } from "@switchyard/shared/codec/chat-codec";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";

const int = z.number().int();
const bytes = z.number().meta({ description: "Bytes." });
const when = z.iso.datetime().nullable();
const slots = z.object({ total: int, busy: int });
export const WorkerSchema = z.object({
  id: z.string(),
  object: z.literal("worker"),
  kind: z.string().meta({ description: "`llm` (gpu-node) or `tts` (tts-node)." }),
  host: z.string(),
  version: z.string(),
  draining: z.boolean(),
  started_at: when,
  updated_at: when,
  slots,
  queue_depth: int,
  gpu: z.object({ name: z.string(), free_bytes: bytes }),
  memory: z.object({ budget_bytes: bytes, used_bytes: bytes }),
  models: z.array(
    z.object({
      id: z.string(),
      state: z.string().meta({ description: "`available`, `loading`, `loaded` or `failed`." }),
      slots,
      context_window: int,
      max_output_tokens: int.meta({ description: "The model's setting (models.json); 0: up to the context window." }),
      memory_bytes: bytes,
      tokens_per_second: int,
      keep_alive_ms: z.number().meta({ description: "-1: kept loaded." }),
      last_used_at: when,
      error: z.string().optional(),
      capabilities: z.array(z.string()).meta({ description: "What the model serves: chat, completions, tools, json_schema, embeddings." }),
      embedding_dimensions: int.optional(),
    }),
  ),
});
export const WorkerListSchema = z.object({
  object: z.literal("list"),
  data: z.array(WorkerSchema),
  queues: z.array(z.object({ model: z.string(), length: int, service_ms: int })).meta({ description: "This gateway's queue per model that its workers serve or that requests wait for." }),
});

const iso = (unixMs: number) => (unixMs > 0 ? new Date(unixMs).toISOString() : null);

export const workerView = (w: WorkerStatus): z.infer<typeof WorkerSchema> => ({
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
    max_output_tokens: m.maxOutputTokens,
    memory_bytes: m.memoryBytes,
    tokens_per_second: Math.round(m.tokensPerSecond),
    keep_alive_ms: m.keepAliveMs,
    last_used_at: iso(m.lastUsedUnixMs),
    ...(m.error ? { error: m.error } : {}),
  })),
});

export function listWorkers(c: Context<AppEnv>) {
  const { registry, pool } = c.get("deps");
  const workers = registry.workers().sort((a, b) => a.workerId.localeCompare(b.workerId));
  return c.json({
    object: "list" as const,
    data: workers.map(workerView),
    queues: pool.queues().map((q) => ({ model: q.model, length: q.length, service_ms: Math.round(q.serviceMs) })),
  } satisfies z.infer<typeof WorkerListSchema>);
}
