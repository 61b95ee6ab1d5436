/** @module This gpu-node's status for the registry: models, slots, queue and GPU memory. */
import { hostname } from "node:os";
import type { WorkerStatusInit } from "@switchyard/shared/codec/chat-codec";
import type { ModelPool } from "./model-pool.ts";

export const WORKER_VERSION = "0.1.0";

export function llmStatus(pool: ModelPool, startedUnixMs: number): () => Promise<WorkerStatusInit> {
  return async () => {
    const models = [...pool.models.values()];
    const vram = pool.llama.gpu === false ? undefined : await pool.llama.getVramState().catch(() => undefined);
    return {
      kind: "llm",
      models: models.map((m) => ({ id: m.id, contextWindow: m.contextWindow, loaded: true, ownedBy: "switchyard" })),
      slotsTotal: models.reduce((n, m) => n + m.slots.total, 0),
      slotsBusy: models.reduce((n, m) => n + m.slots.busy, 0),
      queueDepth: models.reduce((n, m) => n + m.slots.queued, 0),
      gpuName: pool.gpuName,
      gpuFreeBytes: vram?.free ?? 0,
      version: WORKER_VERSION,
      startedUnixMs,
      host: hostname(),
    };
  };
}
