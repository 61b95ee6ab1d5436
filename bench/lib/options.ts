/** @module Benchmark settings from flags, falling back to BENCH_* environment variables. */
import { parseArgs } from "node:util";
import { assertKnown, commaList, int } from "./option-values.ts";

export const VARIANTS = ["direct", "nats", "nats-embedded", "inproc"] as const;
export type Variant = (typeof VARIANTS)[number];
export const DEFAULT_VARIANTS: Variant[] = [...VARIANTS];

export interface BenchOptions {
  iterations: number;
  warmup: number;
  maxTokens: number;
  threads: number;
  contextSize: number;
  temperature: number;
  seed: number;
  gpu: "auto" | "cuda" | "vulkan" | false;
  variants: Variant[];
  /** Pause between runs, so one variant's leftovers (GC, socket teardown) land outside the next. */
  settleMs: number;
  /**
   * SY_TOKEN_COALESCE_MS for every gateway variant's gpu-node (process or in-process); when
   * undefined it is left unset, so the workers use their default.
   */
  coalesceMs: number | undefined;
  /** Folder for CPU profiles of this process and the gpu-node process, if set. */
  cpuProf: string | undefined;
}

export const USAGE = `npm run bench:local -- [options]
  --iterations N     measured runs per variant (BENCH_ITERATIONS, default 20)
  --warmup N         unmeasured runs per variant first (BENCH_WARMUP, default 10)
  --max-tokens N     tokens per run (BENCH_MAX_TOKENS, default 256)
  --threads N        llama.cpp threads (BENCH_THREADS, default 1)
  --context-size N   context per sequence (BENCH_CONTEXT_SIZE, default 2048)
  --temperature T    (BENCH_TEMPERATURE, default 0.8)
  --seed N           (BENCH_SEED, default 42)
  --gpu G            false | auto | cuda | vulkan (BENCH_GPU, default false)
  --variants LIST    comma list of ${VARIANTS.join(", ")}
                     (BENCH_VARIANTS, default ${DEFAULT_VARIANTS.join(",")})
  --coalesce-ms N    token coalescing window of the gateway variants' gpu-nodes, 0 = off;
                     sets their SY_TOKEN_COALESCE_MS (BENCH_COALESCE_MS, default: the worker's)
  --settle-ms N      pause between runs (BENCH_SETTLE_MS, default 30)
  --cpu-prof DIR     profile this process (measured rounds) and the gpu-node process
                     into DIR (BENCH_CPU_PROF); read them with: npx tsx bench/cpuprofile-top.ts DIR`;

/** A non-negative number of milliseconds up to `max`, or undefined when not given. */
function milliseconds(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n >= 0 && n <= max)) throw new Error(`${name} must be a number of ms within 0..${max}, got ${raw}`);
  return n;
}

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      iterations: { type: "string" },
      warmup: { type: "string" },
      "max-tokens": { type: "string" },
      threads: { type: "string" },
      "context-size": { type: "string" },
      temperature: { type: "string" },
      seed: { type: "string" },
      gpu: { type: "string" },
      variants: { type: "string" },
      "settle-ms": { type: "string" },
      "coalesce-ms": { type: "string" },
      "cpu-prof": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) return "help";
  const temperature = Number(values.temperature ?? env.BENCH_TEMPERATURE ?? 0.8);
  if (!(temperature >= 0 && temperature <= 2)) throw new Error(`temperature must be within 0..2, got ${temperature}`);
  const gpuRaw = values.gpu ?? env.BENCH_GPU ?? "false";
  if (!["false", "auto", "cuda", "vulkan"].includes(gpuRaw)) throw new Error(`gpu must be false, auto, cuda or vulkan, got ${gpuRaw}`);
  const variants = commaList(values.variants ?? env.BENCH_VARIANTS ?? DEFAULT_VARIANTS.join(","));
  assertKnown(variants, VARIANTS, "variant");
  return {
    iterations: int("iterations", values.iterations ?? env.BENCH_ITERATIONS, 20, 1),
    warmup: int("warmup", values.warmup ?? env.BENCH_WARMUP, 10, 0),
    maxTokens: int("max-tokens", values["max-tokens"] ?? env.BENCH_MAX_TOKENS, 256, 2),
    threads: int("threads", values.threads ?? env.BENCH_THREADS, 1, 1),
    contextSize: int("context-size", values["context-size"] ?? env.BENCH_CONTEXT_SIZE, 2048, 64),
    temperature,
    seed: int("seed", values.seed ?? env.BENCH_SEED, 42, 0),
    gpu: gpuRaw === "false" ? false : (gpuRaw as "auto" | "cuda" | "vulkan"),
    variants,
    settleMs: int("settle-ms", values["settle-ms"] ?? env.BENCH_SETTLE_MS, 30, 0),
    coalesceMs: milliseconds("coalesce-ms", values["coalesce-ms"] ?? env.BENCH_COALESCE_MS, 1000),
    cpuProf: values["cpu-prof"] ?? env.BENCH_CPU_PROF,
  };
}
