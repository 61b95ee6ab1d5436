/**
 * @module `npm run bench:embeddings`: what the gateway costs per embedding. One generated tiny
 * model that embeds, one set of distinct inputs; node-llama-cpp's embedding context called
 * directly versus the same inputs through POST /v1/embeddings (a gpu-node process over a real
 * nats-server, and `npm start`'s in-process stack), at each batch size (inputs per request).
 * Rounds are interleaved (every variant and batch size once per round, in rotating order)
 * after a warm-up, because this machine's speed drifts.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { startNatsServer } from "../tests/helpers/nats-server.ts";
import { type Cleanups, runBench } from "./lib/cleanups.ts";
import { type CpuSnapshot, childPidsNamed, diff, snapshot, sumProcTimes, type WatchedProcess } from "./lib/cpu.ts";
import { type BatchResult, DirectEmbedder, embedThroughGateway } from "./lib/embed-runners.ts";
import { assertKnown, commaList, int } from "./lib/option-values.ts";
import { type StopProfiling, startProfiling, workerProfileArgs } from "./lib/profiling.ts";
import { summarize } from "./lib/stats.ts";
import { startEmbeddedStack, startWorkerProcessStack } from "./lib/stacks.ts";

const MODEL_ID = "bench-embed";
const VARIANTS = ["direct", "nats", "inproc"] as const;
type Variant = (typeof VARIANTS)[number];
const GOAL_BATCH = 64;
const GOAL_RATIO = 0.9;

const DESCRIPTIONS: Record<Variant, string> = {
  direct: "node-llama-cpp's embedding context in this process, no gateway",
  nats: "HTTP -> gateway (this process) -> nats-server -> gpu-node process",
  inproc: "HTTP -> gateway -> in-process bus -> gpu-node (npm start)",
};

const USAGE = `npm run bench:embeddings -- [options]
  --rounds N        measured rounds (BENCH_ROUNDS, default 10)
  --warmup N        unmeasured rounds first (BENCH_WARMUP, default 3)
  --per-run N       inputs per measurement, sent in requests of the batch size (BENCH_PER_RUN, default 128)
  --batches LIST    inputs per request (BENCH_BATCHES, default 1,64)
  --variants LIST   comma list of ${VARIANTS.join(", ")} (BENCH_VARIANTS, default all)
  --threads N       llama.cpp threads (BENCH_THREADS, default 1)
  --context-size N  context of the embedding context (BENCH_CONTEXT_SIZE, default 2048)
  --cpu-prof DIR    profile this process (measured rounds) and the gpu-node process into DIR
                    (BENCH_CPU_PROF); read them with: npx tsx bench/cpuprofile-top.ts DIR`;

interface Options {
  rounds: number;
  warmup: number;
  perRun: number;
  batches: number[];
  variants: Variant[];
  threads: number;
  contextSize: number;
  cpuProf: string | undefined;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(["rounds", "warmup", "per-run", "batches", "variants", "threads", "context-size", "cpu-prof"].map((k) => [k, { type: "string" as const }])),
    allowPositionals: false,
  });
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const variants = commaList(values.variants ?? env.BENCH_VARIANTS ?? VARIANTS.join(","));
  assertKnown(variants, VARIANTS, "variant");
  const batches = commaList(values.batches ?? env.BENCH_BATCHES ?? "1,64").map((b) => int("batches", b, 1, 1));
  const perRun = int("per-run", values["per-run"] ?? env.BENCH_PER_RUN, 128, 1);
  for (const b of batches) if (perRun % b !== 0) throw new Error(`per-run ${perRun} must be a multiple of every batch size (${b})`);
  return {
    rounds: int("rounds", values.rounds ?? env.BENCH_ROUNDS, 10, 1),
    warmup: int("warmup", values.warmup ?? env.BENCH_WARMUP, 3, 0),
    perRun,
    batches,
    variants,
    threads: int("threads", values.threads ?? env.BENCH_THREADS, 1, 1),
    contextSize: int("context-size", values["context-size"] ?? env.BENCH_CONTEXT_SIZE, 2048, 64),
    cpuProf: values["cpu-prof"] ?? env.BENCH_CPU_PROF,
  };
}

/** Distinct inputs of 20-30 tokens, like sentences of a document being indexed. */
const inputs = (n: number) =>
  Array.from({ length: n }, (_, i) => `passage ${i}: the ${["fast", "small", "long"][i % 3]} train from the yard takes track ${i % 17} past the water tower at night`);

interface Sample {
  embeddingsPerSecond: number;
  cpu: CpuSnapshot;
  first: Float32Array;
}
type Round = Map<string, Sample>;
const cell = (v: Variant, batch: number) => `${v}@${batch}`;

async function main(cleanups: Cleanups): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  const o = parsed;
  const started = performance.now();
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-embed-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  const modelsDir = join(tmp, "models");
  const modelPath = await writeTinyLlamaGguf(join(modelsDir, `${MODEL_ID}.gguf`), { seed: 42, contextLength: Math.max(2048, o.contextSize) });
  if (o.cpuProf) await mkdir(o.cpuProf, { recursive: true });
  console.log(`bench:embeddings  node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? "?"}), threads ${o.threads}, context ${o.contextSize}`);
  console.log(`  ${o.perRun} inputs per measurement at batch sizes ${o.batches.join(", ")}; ${o.warmup} warm-up + ${o.rounds} measured rounds, interleaved: ${o.variants.join(", ")}`);

  const texts = inputs(o.perRun);
  const runners = new Map<Variant, (batch: string[]) => Promise<BatchResult>>();
  const watched: WatchedProcess[] = [{ name: "bench", pid: process.pid }];
  const settings = { modelsDir, dataDir: join(tmp, "data"), threads: o.threads, contextSize: o.contextSize, gpu: "false", workerNodeArgs: o.cpuProf ? workerProfileArgs(o.cpuProf) : [], tokenCoalesceMs: undefined };
  for (const v of o.variants) {
    if (v === "direct") {
      const direct = await DirectEmbedder.open({ modelPath, threads: o.threads, contextSize: o.contextSize, gpu: false });
      cleanups.add("direct model", () => direct.dispose());
      runners.set(v, (batch) => direct.run(batch));
      continue;
    }
    let natsUrl: string | undefined;
    if (v === "nats") {
      const nats = await startNatsServer();
      cleanups.add("nats-server", () => nats.stop());
      natsUrl = nats.url;
      for (const pid of childPidsNamed(process.pid, "nats-server")) watched.push({ name: "nats-server", pid });
    }
    const stack = natsUrl ? await startWorkerProcessStack(settings, MODEL_ID, natsUrl) : await startEmbeddedStack(settings, MODEL_ID);
    cleanups.add(`${v} stack`, () => stack.stop());
    if (stack.workerPid !== undefined) watched.push({ name: "gpu-node", pid: stack.workerPid });
    runners.set(v, (batch) => embedThroughGateway(stack.url, MODEL_ID, batch));
  }
  console.log(`  setup ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const rounds: Round[] = [];
  let stopProfiling: StopProfiling | undefined;
  for (let i = 0; i < o.warmup + o.rounds; i++) {
    if (i === o.warmup && o.cpuProf) stopProfiling = await startProfiling(o.cpuProf);
    const round: Round = new Map();
    const cells = o.batches.flatMap((batch) => o.variants.map((v) => ({ v, batch })));
    for (let k = 0; k < cells.length; k++) {
      const { v, batch } = cells[(i + k) % cells.length]!;
      const before = snapshot(watched);
      let ms = 0;
      let first: Float32Array | undefined;
      for (let at = 0; at < texts.length; at += batch) {
        const r = await runners.get(v)!(texts.slice(at, at + batch));
        ms += r.ms;
        first ??= r.first;
      }
      round.set(cell(v, batch), { embeddingsPerSecond: (texts.length * 1000) / ms, cpu: diff(before, snapshot(watched)), first: first! });
    }
    const label = i < o.warmup ? `warm-up ${i + 1}/${o.warmup}` : `round ${i - o.warmup + 1}/${o.rounds}`;
    console.log(`  ${label.padEnd(14)} ${cells.map(({ v, batch }) => `${cell(v, batch)} ${round.get(cell(v, batch))!.embeddingsPerSecond.toFixed(0)}/s`).join(" | ")}`);
    if (i >= o.warmup) rounds.push(round);
  }
  await stopProfiling?.({ variants: o.variants, tokens: o.rounds * o.batches.length * o.variants.length * o.perRun });

  report(o, rounds, [...new Set(watched.map((w) => w.name))]);
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (o.cpuProf) console.log(`profiles in ${o.cpuProf} (the gpu-node's is written when it stops; "tok" there counts embeddings): npx tsx bench/cpuprofile-top.ts ${o.cpuProf}`);
  return 0;
}

function report(o: Options, rounds: Round[], processes: string[]): void {
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : "-");
  const samples = (key: string) => rounds.flatMap((r) => (r.has(key) ? [r.get(key)!] : []));
  console.log("\nvariant   batch   embeddings/s p50 / mean (min-max)");
  for (const batch of o.batches)
    for (const v of o.variants) {
      const s = summarize(samples(cell(v, batch)).map((x) => x.embeddingsPerSecond));
      console.log(`${v.padEnd(9)} ${String(batch).padStart(5)}   ${f(s.p50).padStart(7)} / ${f(s.mean).padStart(7)} (${f(s.min)}-${f(s.max)})`);
    }
  for (const v of o.variants) console.log(`  ${v.padEnd(8)} ${DESCRIPTIONS[v]}`);

  if (o.variants.includes("direct")) {
    console.log(`\ngateway / direct, embeddings per second (goal: >= ${GOAL_RATIO} at batch ${GOAL_BATCH})`);
    for (const batch of o.batches)
      for (const v of o.variants) {
        if (v === "direct") continue;
        const gw = summarize(samples(cell(v, batch)).map((x) => x.embeddingsPerSecond)).p50;
        const direct = summarize(samples(cell("direct", batch)).map((x) => x.embeddingsPerSecond)).p50;
        const paired = summarize(rounds.flatMap((r) => (r.has(cell(v, batch)) ? [r.get(cell(v, batch))!.embeddingsPerSecond / r.get(cell("direct", batch))!.embeddingsPerSecond] : []))).p50;
        const extraUs = 1e6 / gw - 1e6 / direct;
        const verdict = batch === GOAL_BATCH ? (gw / direct >= GOAL_RATIO ? " [ok]" : " [BELOW GOAL]") : "";
        console.log(`  ${v.padEnd(8)} batch ${String(batch).padStart(3)}: ratio ${f(gw / direct, 3)}${verdict} (paired p50 ${f(paired, 3)}), ${f(extraUs, 1)} µs extra per embedding`);
      }
    // Every path runs the same computation: the first vector of each measurement must match.
    const reference = rounds[0]?.get(cell("direct", o.batches[0]!))?.first;
    const differing = rounds.flatMap((r) => [...r.entries()].filter(([, s]) => reference && s.first.some((x, i) => x !== reference[i])).map(([k]) => k));
    console.log(differing.length === 0 ? "\nvectors: every path gave the direct path's vectors, bit for bit" : `\nWARNING: vectors differ from the direct path's in ${differing.join(", ")}`);
  }

  console.log("\nCPU per embedding in µs, mean of measured rounds (main = JS thread, other = llama.cpp/libuv/GC threads)");
  console.log(`variant@batch  ${processes.map((p) => `${p} main/other`.padStart(24)).join("")}`);
  for (const batch of o.batches)
    for (const v of o.variants) {
      const runs = samples(cell(v, batch));
      const n = runs.length * o.perRun;
      const cells = processes.map((p) => {
        const t = sumProcTimes(runs, p);
        return `${f(t.mainNs / 1000 / n, 1)}/${f(t.otherNs / 1000 / n, 1)}`.padStart(24);
      });
      console.log(`${cell(v, batch).padEnd(14)} ${cells.join("")}`);
    }
}

await runBench(main);
