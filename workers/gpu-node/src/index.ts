/** @module Starts a gpu-node on a given Bus: used by its own process and by the embedded mode. */
import type { Bus } from "@switchyard/shared/bus/bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import type { GpuNodeConfig } from "./config.ts";
import { LlmWorker } from "./llm-worker.ts";
import { loadModelPool, type ModelPool } from "./model-pool.ts";

export interface RunningGpuNode {
  worker: LlmWorker;
  pool: ModelPool;
  stop(): Promise<void>;
}

export async function startGpuNode(bus: Bus, config: GpuNodeConfig, log: (message: string) => void): Promise<RunningGpuNode> {
  const pool = await loadModelPool({
    modelsDir: config.modelsDir,
    threads: config.threads,
    slots: config.slots,
    contextSize: config.contextSize,
    gpu: config.gpu,
    log,
  });
  if (pool.models.size === 0) log(`no usable .gguf model in ${config.modelsDir}`);
  const worker = new LlmWorker(bus, subjects(config.subjectPrefix), pool, {
    workerId: config.workerId,
    heartbeatMs: config.heartbeatMs,
    coalesceMs: config.coalesceMs,
    statusIntervalMs: config.statusIntervalMs,
    statusTtlMs: config.statusTtlMs,
    log,
  });
  await worker.start();
  return {
    worker,
    pool,
    async stop() {
      await worker.stop();
      await pool.dispose();
    },
  };
}

export { type GpuNodeConfig, gpuNodeConfig } from "./config.ts";
