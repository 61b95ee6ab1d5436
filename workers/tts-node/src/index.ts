/** @module Starts a tts-node on a given Bus: used by its own process and by the embedded mode. */
import type { Bus } from "@switchyard/shared/bus/bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import type { TtsNodeConfig } from "./config.ts";
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
  return { worker, voices, stop: () => worker.stop() };
}

export { type TtsNodeConfig, ttsNodeConfig } from "./config.ts";
