/** @module This gpu-node's status for the registry: each model's state and slots, memory, GPU, drain. */
import { hostname } from "node:os";
import type { WorkerStatusInit } from "@switchyard/shared/codec/chat-codec";
import { MAX_SLOT_PREFIXES } from "@switchyard/shared/llm/prefix-hash";
import type { ModelCatalog } from "./model-catalog.ts";

export const WORKER_VERSION = "0.2.0";

export function llmStatus(catalog: ModelCatalog, startedUnixMs: number, draining: () => boolean): () => Promise<WorkerStatusInit> {
  return async () => {
    const models = catalog.models();
    const vram = catalog.llama.gpu === false ? undefined : await catalog.llama.getVramState().catch(() => undefined);
    return {
      kind: "llm",
      models: models.map((m) => ({
        id: m.id,
        contextWindow: m.contextWindow,
        maxOutputTokens: m.maxOutputTokens,
        loaded: m.state === "loaded",
        ownedBy: "switchyard",
        state: m.state,
        slotsTotal: m.slotsTotal,
        slotsBusy: m.reserved,
        memoryBytes: m.memoryBytes,
        tokensPerSecond: m.tokensPerSecond,
        error: m.error,
        lastUsedUnixMs: m.lastUsedUnixMs,
        keepAliveMs: m.keepAliveMs,
        capabilities: m.capabilities,
        embeddingDimensions: m.embeddingDimensions,
        slotPrefixes: m.loaded ? [...m.loaded.prefixes.values()].map((hashes) => ({ hashes: hashes.slice(-MAX_SLOT_PREFIXES) })) : [],
      })),
      slotsTotal: models.reduce((n, m) => n + m.slotsTotal, 0),
      slotsBusy: models.reduce((n, m) => n + m.reserved, 0),
      // A worker never queues: a request it cannot start is refused (worker_busy).
      queueDepth: 0,
      gpuName: catalog.gpuName,
      gpuFreeBytes: vram?.free ?? 0,
      version: WORKER_VERSION,
      startedUnixMs,
      host: hostname(),
      draining: draining(),
      memoryBudgetBytes: catalog.memoryBudgetBytes,
      memoryUsedBytes: catalog.usedMemoryBytes(),
    };
  };
}
