/** @module tts-node settings from flags and environment, validated with zod. */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";

export const TtsNodeConfigSchema = z.object({
  voicesDir: z.string().min(1),
  natsUrl: z.string().optional(),
  subjectPrefix: z.string().regex(/^[A-Za-z0-9_-]+$/),
  workerId: z.string().regex(/^[A-Za-z0-9_-]+$/),
  threads: z.coerce.number().int().min(1).max(64),
  heartbeatMs: z.coerce.number().int().min(50),
  statusIntervalMs: z.coerce.number().int().min(100),
  statusTtlMs: z.coerce.number().int().min(500),
  /** Port of the Prometheus /metrics listener; 0 leaves it off. */
  metricsPort: z.coerce.number().int().min(0).max(65535),
  metricsHost: z.string().min(1),
});
export type TtsNodeConfig = z.infer<typeof TtsNodeConfigSchema>;

export function ttsNodeConfig(argv: string[], env: NodeJS.ProcessEnv): TtsNodeConfig {
  const { values } = parseArgs({
    args: argv,
    options: { voices: { type: "string" }, threads: { type: "string" }, "worker-id": { type: "string" }, "metrics-port": { type: "string" } },
    allowPositionals: false,
  });
  return TtsNodeConfigSchema.parse({
    voicesDir: values.voices ?? env.VOICES_DIR ?? "./.switchyard/voices",
    natsUrl: env.NATS_URL || undefined,
    subjectPrefix: env.SY_SUBJECT_PREFIX ?? "sy",
    workerId: values["worker-id"] ?? env.TTS_WORKER_ID ?? `tts-${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`,
    threads: values.threads ?? env.TTS_THREADS ?? 1,
    heartbeatMs: env.SY_HEARTBEAT_MS ?? 1000,
    statusIntervalMs: env.SY_STATUS_INTERVAL_MS ?? 2000,
    statusTtlMs: env.SY_STATUS_TTL_MS ?? 6000,
    metricsPort: values["metrics-port"] ?? env.TTS_METRICS_PORT ?? 0,
    metricsHost: env.METRICS_HOST ?? "127.0.0.1",
  });
}
