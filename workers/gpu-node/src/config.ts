/** @module gpu-node settings from flags and environment, validated with zod. */
import { availableParallelism, hostname } from "node:os";
import { parseArgs } from "node:util";
import { parseBytes, parseKeepAlive } from "@switchyard/shared/units";
import { z } from "zod";

const GpuSchema = z.enum(["auto", "cuda", "vulkan", "false", "cpu"]).transform((v) => (v === "false" || v === "cpu" ? false : v));

export const GpuNodeConfigSchema = z.object({
  modelsDir: z.string().min(1),
  natsUrl: z.string().optional(),
  subjectPrefix: z.string().regex(/^[A-Za-z0-9_-]+$/),
  workerId: z.string().regex(/^[A-Za-z0-9_-]+$/),
  threads: z.coerce.number().int().min(1).max(256),
  slots: z.coerce.number().int().min(1).max(64),
  contextSize: z.coerce.number().int().min(0),
  gpu: GpuSchema,
  heartbeatMs: z.coerce.number().int().min(50),
  coalesceMs: z.coerce.number().min(0).max(1000),
  statusIntervalMs: z.coerce.number().int().min(100),
  statusTtlMs: z.coerce.number().int().min(500),
  /** How long an idle model stays loaded; -1 keeps it. */
  keepAliveMs: z.number().int().min(-1),
  /** Bytes the loaded models may take together; undefined: what node-llama-cpp reports free at start. */
  memoryBudgetBytes: z.number().int().positive().optional(),
  /** Port of the Prometheus /metrics listener; 0 leaves it off. */
  metricsPort: z.coerce.number().int().min(0).max(65535),
  metricsHost: z.string().min(1),
  /** On SIGTERM: how long running streams may take to finish before they are cut. */
  drainGraceMs: z.coerce.number().int().min(0),
  /** How often the models folder is looked at again (new files announced, removed ones dropped); 0: never. */
  rescanMs: z.number().int().min(0),
  /** Keep each slot's KV cache after a request and start the next from the longest shared prefix. */
  kvReuse: z.enum(["true", "false"]).transform((v) => v === "true"),
});
export type GpuNodeConfig = z.infer<typeof GpuNodeConfigSchema>;

/** Half the cores, at least one: llama.cpp slows down sharply when threads outnumber free cores. */
export const defaultThreads = (): number => Math.max(1, Math.floor(availableParallelism() / 2));

export const defaultWorkerId = (): string =>
  `${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;

export function gpuNodeConfig(argv: string[], env: NodeJS.ProcessEnv): GpuNodeConfig {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      models: { type: "string" },
      threads: { type: "string" },
      slots: { type: "string" },
      "context-size": { type: "string" },
      gpu: { type: "string" },
      "worker-id": { type: "string" },
      "keep-alive": { type: "string" },
      "memory-budget": { type: "string" },
      "metrics-port": { type: "string" },
      "drain-grace": { type: "string" },
      "rescan-interval": { type: "string" },
      "kv-reuse": { type: "string" },
    },
    allowPositionals: false,
  });
  return GpuNodeConfigSchema.parse({
    modelsDir: values.models ?? env.MODELS_DIR ?? "./.switchyard/models",
    natsUrl: env.NATS_URL || undefined,
    subjectPrefix: env.SY_SUBJECT_PREFIX ?? "sy",
    workerId: values["worker-id"] ?? env.WORKER_ID ?? defaultWorkerId(),
    threads: values.threads ?? env.LLAMA_THREADS ?? defaultThreads(),
    slots: values.slots ?? env.LLAMA_SLOTS ?? 2,
    contextSize: values["context-size"] ?? env.LLAMA_CONTEXT_SIZE ?? 0,
    gpu: values.gpu ?? env.LLAMA_GPU ?? "auto",
    heartbeatMs: env.SY_HEARTBEAT_MS ?? 1000,
    coalesceMs: env.SY_TOKEN_COALESCE_MS ?? 5,
    statusIntervalMs: env.SY_STATUS_INTERVAL_MS ?? 2000,
    statusTtlMs: env.SY_STATUS_TTL_MS ?? 6000,
    keepAliveMs: duration("--keep-alive", values["keep-alive"] ?? env.LLAMA_KEEP_ALIVE ?? "5m"),
    memoryBudgetBytes: bytes("--memory-budget", values["memory-budget"] ?? env.LLAMA_MEMORY_BUDGET),
    metricsPort: values["metrics-port"] ?? env.METRICS_PORT ?? 0,
    metricsHost: env.METRICS_HOST ?? "127.0.0.1",
    drainGraceMs: duration("--drain-grace", values["drain-grace"] ?? env.DRAIN_GRACE ?? "30s"),
    rescanMs: Math.max(0, duration("--rescan-interval", values["rescan-interval"] ?? env.MODELS_RESCAN ?? "10s")),
    kvReuse: values["kv-reuse"] ?? env.LLAMA_KV_REUSE ?? "true",
  });
}

/** `--keep-alive -1` reads as two flags to parseArgs; pass it as `--keep-alive=-1`. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith("--") && !arg.includes("=") && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

function duration(flag: string, value: string): number {
  const ms = parseKeepAlive(value);
  if (ms === undefined) throw new Error(`${flag} must be a duration such as 30s, 5m or -1 (got '${value}')`);
  return ms;
}

function bytes(flag: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = parseBytes(value);
  if (n === undefined || n <= 0) throw new Error(`${flag} must be a size such as 8GiB or 512MB (got '${value}')`);
  return n;
}
