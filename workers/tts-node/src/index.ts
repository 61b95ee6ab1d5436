/** @module Starts a tts-node on a given Bus: used by its own process and by the embedded mode. */
import type { Bus } from "@switchyard/shared/bus/bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import { serveMetrics } from "@switchyard/shared/metrics-server";
import type { TtsNodeConfig } from "./config.ts";
import { ttsMetrics } from "./tts-metrics.ts";
import { TtsWorker } from "./tts-worker.ts";
import { type LoadedVoice, loadVoices } from "./voice-pool.ts";

export interface RunningTtsNode {
  worker: TtsWorker;
  voices: Map<string, LoadedVoice>;
  stop(): Promise<void>;
}

export async function startTtsNode(bus: Bus, config: TtsNodeConfig, log: (message: string) => void): Promise<RunningTtsNode> {
  const voices = await loadVoices(config.voicesDir, config.threads, log);
  if (voices.size === 0) log(`no usable voice in ${config.voicesDir}`);
  const worker = new TtsWorker(bus, subjects(config.subjectPrefix), voices, {
    workerId: config.workerId,
    heartbeatMs: config.heartbeatMs,
    statusIntervalMs: config.statusIntervalMs,
    statusTtlMs: config.statusTtlMs,
    log,
  });
  await worker.start();
  const metrics = config.metricsPort > 0 ? await serveMetrics(ttsMetrics(worker, config.workerId, () => bus.isConnected()), config.metricsHost, config.metricsPort) : undefined;
  if (metrics) log(`metrics on http://${config.metricsHost}:${metrics.port}/metrics`);
  return {
    worker,
    voices,
    async stop() {
      await worker.stop();
      await metrics?.close();
    },
  };
}

export { type TtsNodeConfig, ttsNodeConfig } from "./config.ts";
