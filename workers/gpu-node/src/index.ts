/** @module Starts a gpu-node on a given Bus: used by its own process and by the embedded mode. */
import type { Bus } from "@switchyard/shared/bus/bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import type { GpuNodeConfig } from "./config.ts";
import { LlmWorker } from "./llm-worker.ts";
import { type MetricsServer, serveMetrics } from "@switchyard/shared/metrics-server";
import { ModelCatalog } from "./model-catalog.ts";
import { WorkerMetrics } from "./worker-metrics.ts";

export interface RunningGpuNode {
  worker: LlmWorker;
  catalog: ModelCatalog;
  metrics: WorkerMetrics;
  metricsServer: MetricsServer | undefined;
  /** Stops taking work, lets running streams finish (up to the drain grace), then stops. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGpuNode(bus: Bus, config: GpuNodeConfig, log: (message: string) => void): Promise<RunningGpuNode> {
  let worker: LlmWorker | undefined;
  let metrics: WorkerMetrics | undefined;
  const catalog = await ModelCatalog.open({
    modelsDir: config.modelsDir,
    threads: config.threads,
    slots: config.slots,
    contextSize: config.contextSize,
    gpu: config.gpu,
    keepAliveMs: config.keepAliveMs,
    memoryBudgetBytes: config.memoryBudgetBytes,
    log,
    onChange: () => worker?.changed(),
    onLoadEvent: (model, event, cause) => metrics?.modelEvents.inc({ model, event, cause }),
  });
  if (catalog.models().length === 0) log(`no usable .gguf model in ${config.modelsDir}`);
  metrics = new WorkerMetrics(catalog, config.workerId, () => bus.isConnected());
  worker = new LlmWorker(bus, subjects(config.subjectPrefix), catalog, metrics, {
    workerId: config.workerId,
    heartbeatMs: config.heartbeatMs,
    coalesceMs: config.coalesceMs,
    statusIntervalMs: config.statusIntervalMs,
    statusTtlMs: config.statusTtlMs,
    rescanMs: config.rescanMs,
    kvReuse: config.kvReuse,
    log,
  });
  await worker.start();
  const metricsServer = config.metricsPort > 0 ? await serveMetrics(metrics.registry, config.metricsHost, config.metricsPort) : undefined;
  if (metricsServer) log(`metrics on http://${config.metricsHost}:${metricsServer.port}/metrics`);
  const running: RunningGpuNode = {
    worker,
    catalog,
    metrics,
    metricsServer,
    async drain() {
      await running.worker.drain(config.drainGraceMs);
      await running.stop();
    },
    async stop() {
      await running.worker.stop();
      await metricsServer?.close();
      await catalog.dispose();
    },
  };
  return running;
}

export { type GpuNodeConfig, gpuNodeConfig } from "./config.ts";
