/** @module `bench:tts` settings from flags, falling back to BENCH_TTS_* environment variables. */
import { parseArgs } from "node:util";
import { assertKnown, commaList, int } from "./option-values.ts";

export const TTS_VARIANTS = ["direct", "inproc", "nats"] as const;
export type TtsVariant = (typeof TTS_VARIANTS)[number];

export const TEXT_NAMES = ["short", "long"] as const;
export type TextName = (typeof TEXT_NAMES)[number];

export interface TtsBenchOptions {
  iterations: number;
  warmup: number;
  /** sherpa-onnx numThreads for the baseline and every tts-node (TTS_THREADS). */
  threads: number;
  variants: TtsVariant[];
  texts: TextName[];
  /** Pause between runs, so one run's leftovers (GC, socket work) land outside the next. */
  settleMs: number;
  /** Marks where each gateway request's time goes (bench/lib/tts-trace.ts) and prints a breakdown. */
  trace: boolean;
  /** Folder for CPU profiles of this process (measured rounds) and the tts-node process, if set. */
  cpuProf: string | undefined;
}

export const TTS_USAGE = `npm run bench:tts -- [options]
  --iterations N     measured runs per variant and text (BENCH_TTS_ITERATIONS, default 20)
  --warmup N         unmeasured rounds first (BENCH_TTS_WARMUP, default 3)
  --threads N        sherpa-onnx threads, baseline and tts-nodes alike (BENCH_TTS_THREADS, default 1)
  --variants LIST    comma list of ${TTS_VARIANTS.join(", ")} (BENCH_TTS_VARIANTS, default all)
  --texts LIST       comma list of ${TEXT_NAMES.join(", ")} (BENCH_TTS_TEXTS, default both)
  --settle-ms N      pause between runs (BENCH_TTS_SETTLE_MS, default 20)
  --trace            break each gateway request's time to first audio into stages, observed from
                     outside the project's code (BENCH_TTS_TRACE=1)
  --cpu-prof DIR     profile this process (measured rounds) and the tts-node process into DIR
                     (BENCH_TTS_CPU_PROF); read them with: npx tsx bench/cpuprofile-top.ts DIR`;

function list<T extends string>(name: string, raw: string | undefined, known: readonly T[]): T[] {
  const items = commaList(raw ?? known.join(","));
  assertKnown(items, known, name);
  if (items.length === 0) throw new Error(`${name} list is empty`);
  return [...new Set(items)];
}

export function parseTtsBenchOptions(argv: string[], env: NodeJS.ProcessEnv): TtsBenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      iterations: { type: "string" },
      warmup: { type: "string" },
      threads: { type: "string" },
      variants: { type: "string" },
      texts: { type: "string" },
      "settle-ms": { type: "string" },
      "cpu-prof": { type: "string" },
      trace: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) return "help";
  return {
    iterations: int("iterations", values.iterations ?? env.BENCH_TTS_ITERATIONS, 20, 1),
    warmup: int("warmup", values.warmup ?? env.BENCH_TTS_WARMUP, 3, 0),
    threads: int("threads", values.threads ?? env.BENCH_TTS_THREADS, 1, 1),
    variants: list("variant", values.variants ?? env.BENCH_TTS_VARIANTS, TTS_VARIANTS),
    texts: list("text", values.texts ?? env.BENCH_TTS_TEXTS, TEXT_NAMES),
    settleMs: int("settle-ms", values["settle-ms"] ?? env.BENCH_TTS_SETTLE_MS, 20, 0),
    trace: values.trace ?? (env.BENCH_TTS_TRACE === "1" || env.BENCH_TTS_TRACE === "true"),
    cpuProf: values["cpu-prof"] || env.BENCH_TTS_CPU_PROF || undefined,
  };
}
