/**
 * @module `npm run bench:local`: how much the gateway costs per token. One generated tiny model,
 * one prompt, one seed; node-llama-cpp called directly versus the same generation streamed
 * through the real gateway (over a real nats-server, and over the in-process bus). Runs are
 * interleaved round by round after a warm-up, because this machine's speed drifts.
 */
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gpuNodeConfig } from "@switchyard/gpu-node/config";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { type Cleanups, runBench } from "./lib/cleanups.ts";
import { diff, snapshot } from "./lib/cpu.ts";
import { type BenchOptions, parseBenchOptions, USAGE } from "./lib/options.ts";
import { type StopProfiling, startProfiling, workerProfileArgs } from "./lib/profiling.ts";
import { checkOutputs, printCpuReport, printReport, type Round } from "./lib/report.ts";
import { type BenchRequest, decodeTokensPerSecond } from "./lib/run-result.ts";
import { type BenchSetup, setUpVariants } from "./lib/setup.ts";

const MODEL_ID = "bench-tiny";

/** Warm-up rounds, then measured ones; each round runs every variant once, in rotating order. */
async function runRounds(opts: BenchOptions, setup: BenchSetup): Promise<Round[]> {
  const { variants, runners, watched } = setup;
  const rounds: Round[] = [];
  let stopProfiling: StopProfiling | undefined;
  for (let i = 0; i < opts.warmup + opts.iterations; i++) {
    if (i === opts.warmup && opts.cpuProf) stopProfiling = await startProfiling(opts.cpuProf);
    const round: Round = {};
    // Rotating the start evens out any advantage of running right after a particular variant.
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length]!;
      const before = snapshot(watched);
      const result = await runners.get(v)!();
      result.cpu = diff(before, snapshot(watched));
      round[v] = result;
      await sleep(opts.settleMs);
    }
    const label = i < opts.warmup ? `warm-up ${i + 1}/${opts.warmup}` : `round ${i - opts.warmup + 1}/${opts.iterations}`;
    const line = variants.map((v) => `${v} ${decodeTokensPerSecond(round[v]!).toFixed(0)} tok/s ${round[v]!.ttftMs.toFixed(1)} ms`);
    console.log(`  ${label.padEnd(14)} ${line.join(" | ")}`);
    if (i >= opts.warmup) rounds.push(round);
  }
  const tokens = rounds.reduce((sum, r) => sum + variants.reduce((n, v) => n + (r[v]?.completionTokens ?? 0), 0), 0);
  await stopProfiling?.({ variants, tokens });
  return rounds;
}

async function main(cleanups: Cleanups): Promise<number> {
  const parsed = parseBenchOptions(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  const opts = parsed;
  if (opts.maxTokens + 64 > opts.contextSize) throw new Error(`max-tokens ${opts.maxTokens} leaves no room for the prompt in context ${opts.contextSize}`);
  const request: BenchRequest = {
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "Tell me a long story about a switch yard and its trains." },
    ],
    maxTokens: opts.maxTokens,
    temperature: opts.temperature,
    seed: opts.seed,
  };
  const started = performance.now();
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  const modelsDir = join(tmp, "models");
  const modelPath = await writeTinyLlamaGguf(join(modelsDir, `${MODEL_ID}.gguf`), { seed: 42, contextLength: Math.max(2048, opts.contextSize) });
  if (opts.cpuProf) await mkdir(opts.cpuProf, { recursive: true });
  console.log(
    `bench:local  node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? "?"}), ` +
      `model ${((await stat(modelPath)).size / 1024).toFixed(0)} KiB, threads ${opts.threads}, gpu ${opts.gpu}, context ${opts.contextSize}`,
  );
  console.log(
    `  max_tokens ${opts.maxTokens}, temperature ${opts.temperature}, seed ${opts.seed}, ` +
      `${opts.warmup} warm-up + ${opts.iterations} measured runs per variant, interleaved: ${opts.variants.join(", ")}`,
  );
  // Worked out by the gpu-node's own config code, so the default shown is the one the workers use.
  const coalesceEnv = opts.coalesceMs === undefined ? {} : { SY_TOKEN_COALESCE_MS: String(opts.coalesceMs) };
  console.log(
    `  gateway workers' token coalescing window ${gpuNodeConfig([], coalesceEnv).coalesceMs} ms ` +
      `(${opts.coalesceMs === undefined ? "worker default; set with --coalesce-ms" : "--coalesce-ms / BENCH_COALESCE_MS"})`,
  );
  const setup = await setUpVariants(
    opts,
    request,
    {
      modelsDir,
      dataDir: join(tmp, "data"),
      threads: opts.threads,
      contextSize: opts.contextSize,
      gpu: String(opts.gpu),
      workerNodeArgs: opts.cpuProf ? workerProfileArgs(opts.cpuProf) : [],
      tokenCoalesceMs: opts.coalesceMs,
    },
    { id: MODEL_ID, path: modelPath },
    cleanups,
  );
  console.log(`  setup ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const rounds = await runRounds(opts, setup);
  printReport(rounds, setup.variants);
  printCpuReport(rounds, setup.variants, setup.watched.map((w) => w.name));
  checkOutputs(rounds, setup.variants, opts.maxTokens);
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (opts.cpuProf) console.log(`profiles in ${opts.cpuProf} (the gpu-node's is written when it stops): npx tsx bench/cpuprofile-top.ts ${opts.cpuProf}`);
  return 0;
}

await runBench(main);
