/** @module This tts-node's status for the registry: its voices (as models of kind "tts"). */
import { hostname } from "node:os";
import type { WorkerStatusInit } from "@switchyard/shared/codec/chat-codec";
import type { LoadedVoice } from "./voice-pool.ts";

export function ttsStatus(voices: Map<string, LoadedVoice>, startedUnixMs: number): () => Promise<WorkerStatusInit> {
  return async () => ({
    kind: "tts",
    models: [...voices.values()].map((v) => ({ id: v.id, contextWindow: 0, loaded: true, ownedBy: "switchyard" })),
    slotsTotal: voices.size,
    slotsBusy: [...voices.values()].reduce((n, v) => n + v.lock.busy, 0),
    queueDepth: [...voices.values()].reduce((n, v) => n + v.lock.queued, 0),
    gpuName: "cpu",
    gpuFreeBytes: 0,
    version: "0.1.0",
    startedUnixMs,
    host: hostname(),
  });
}
