/** @module `bench:scale` settings from flags, falling back to BENCH_SCALE_* environment variables. */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { assertKnown, commaList, int } from "./option-values.ts";

export const SECTIONS = ["scale", "ttft", "overhead", "server"] as const;
export type Section = (typeof SECTIONS)[number];

/** Where scripts/build-llama-server.sh puts it by default on these machines. */
export const DEFAULT_LLAMA_SERVER_BIN = "/work/llama/src/build/bin/llama-server";

export interface ScaleOptions {
  sections: Section[];
  /** Pool workers; the scale section measures 1..workers of them. */
  workers: number;
  /** llama.cpp threads per worker (and llama-server's -t). */
  threads: number;
  /** Context per sequence (slot), for every worker and for llama-server's slots. */
  contextSize: number;
  rounds: number;
  warmup: number;
  /** Tokens of the long streams of the scale and server sections. */
  maxTokens: number;
  /** Concurrent streams per pool worker in the scale section (each worker has one slot). */
  streamsPerWorker: number;
  scaleSeconds: number;
  /** Pool workers (1 slot each) of the TTFT section. */
  ttftWorkers: number;
  ttftSeconds: number;
  shortTokens: number;
  longTokens: number;
  overheadSeconds: number;
  serverSlots: number;
  serverBin: string;
  temperature: number;
  seed: number;
  /** Pause between runs, so one run's leftovers (GC, socket teardown) land outside the next. */
  settleMs: number;
}

export const SCALE_USAGE = `npm run bench:scale -- [options]   (defaults take about 4 minutes on 2 cores)
  --sections LIST        comma list of ${SECTIONS.join(", ")} (BENCH_SCALE_SECTIONS, default all)
  --workers N            pool workers, scale measures 1..N (BENCH_SCALE_WORKERS, default 3)
  --threads N            llama.cpp threads per worker and for llama-server
                         (BENCH_SCALE_THREADS, default cores / workers, at least 1)
  --context-size N       context per slot (BENCH_SCALE_CONTEXT_SIZE, default 2048)
  --rounds N             measured rounds per section (BENCH_SCALE_ROUNDS, default 5)
  --warmup N             unmeasured rounds first (BENCH_SCALE_WARMUP, default 1)
  --max-tokens N         tokens per long stream, scale and server (BENCH_SCALE_MAX_TOKENS, default 256)
  --streams-per-worker N concurrent streams per worker in scale (BENCH_SCALE_STREAMS_PER_WORKER, default 2)
  --scale-seconds N      seconds per scale run (BENCH_SCALE_SCALE_SECONDS, default 4)
  --ttft-workers N       workers of the TTFT section (BENCH_SCALE_TTFT_WORKERS, default 2 on <= 2 cores, else 3)
  --ttft-seconds N       seconds of short requests per TTFT run (BENCH_SCALE_TTFT_SECONDS, default 5)
  --short-tokens N       max_tokens of the short requests (BENCH_SCALE_SHORT_TOKENS, default 8)
  --long-tokens N        max_tokens of the long ones beside them (BENCH_SCALE_LONG_TOKENS, default 1000)
  --overhead-seconds N   seconds per dispatch-overhead run (BENCH_SCALE_OVERHEAD_SECONDS, default 3)
  --server-slots N       slots of the worker compared with llama-server (BENCH_SCALE_SERVER_SLOTS, default 8)
  --llama-server PATH    llama-server binary (LLAMA_SERVER_BIN, default ${DEFAULT_LLAMA_SERVER_BIN})
  --temperature T        (BENCH_SCALE_TEMPERATURE, default 0.8)
  --seed N               (BENCH_SCALE_SEED, default 42)
  --settle-ms N          pause between runs (BENCH_SCALE_SETTLE_MS, default 200)`;

export function parseScaleOptions(argv: string[], env: NodeJS.ProcessEnv): ScaleOptions | "help" {
  const names = [
    "sections",
    "workers",
    "threads",
    "context-size",
    "rounds",
    "warmup",
    "max-tokens",
    "streams-per-worker",
    "scale-seconds",
    "ttft-workers",
    "ttft-seconds",
    "short-tokens",
    "long-tokens",
    "overhead-seconds",
    "server-slots",
    "llama-server",
    "temperature",
    "seed",
    "settle-ms",
  ] as const;
  type Name = (typeof names)[number];
  const strings = Object.fromEntries(names.map((n) => [n, { type: "string" }])) as Record<Name, { type: "string" }>;
  const { values } = parseArgs({ args: argv, options: { ...strings, help: { type: "boolean", short: "h" } }, allowPositionals: false });
  if (values.help) return "help";
  // A flag wins; else BENCH_SCALE_<FLAG IN CAPS>.
  const raw = (name: Name): string | undefined => values[name] ?? env[`BENCH_SCALE_${name.toUpperCase().replaceAll("-", "_")}`];
  const cores = availableParallelism();
  const sections = commaList(raw("sections") ?? SECTIONS.join(","));
  assertKnown(sections, SECTIONS, "section");
  const workers = int("workers", raw("workers"), 3, 1);
  const ttftWorkers = int("ttft-workers", raw("ttft-workers"), Math.min(workers, cores <= 2 ? 2 : 3), 2);
  if (sections.includes("ttft") && ttftWorkers > workers) throw new Error(`ttft-workers ${ttftWorkers} is more than --workers ${workers}`);
  const temperature = Number(raw("temperature") ?? 0.8);
  if (!(temperature >= 0 && temperature <= 2)) throw new Error(`temperature must be within 0..2, got ${temperature}`);
  const opts: ScaleOptions = {
    sections: [...new Set(sections)],
    workers,
    threads: int("threads", raw("threads"), Math.max(1, Math.floor(cores / workers)), 1),
    contextSize: int("context-size", raw("context-size"), 2048, 256),
    rounds: int("rounds", raw("rounds"), 5, 1),
    warmup: int("warmup", raw("warmup"), 1, 0),
    maxTokens: int("max-tokens", raw("max-tokens"), 256, 2),
    streamsPerWorker: int("streams-per-worker", raw("streams-per-worker"), 2, 1),
    scaleSeconds: int("scale-seconds", raw("scale-seconds"), 4, 1),
    ttftWorkers,
    ttftSeconds: int("ttft-seconds", raw("ttft-seconds"), 5, 1),
    shortTokens: int("short-tokens", raw("short-tokens"), 8, 1),
    longTokens: int("long-tokens", raw("long-tokens"), 1000, 2),
    overheadSeconds: int("overhead-seconds", raw("overhead-seconds"), 3, 1),
    serverSlots: int("server-slots", raw("server-slots"), 8, 1),
    serverBin: values["llama-server"] || env.LLAMA_SERVER_BIN || DEFAULT_LLAMA_SERVER_BIN,
    temperature,
    seed: int("seed", raw("seed"), 42, 0),
    settleMs: int("settle-ms", raw("settle-ms"), 200, 0),
  };
  // The prompt takes ~40 tokens; the longest stream must fit one slot's context.
  const longest = Math.max(opts.maxTokens, opts.longTokens, opts.shortTokens);
  if (longest + 64 > opts.contextSize) throw new Error(`streams of ${longest} tokens leave no room for the prompt in context ${opts.contextSize}`);
  return opts;
}
