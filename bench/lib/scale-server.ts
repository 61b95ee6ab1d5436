/**
 * @module `bench:scale` section 4: one worker with many slots against llama.cpp's own
 * llama-server on the same GGUF, thread count and slots (`-np S -t T -c S×ctx`). Each run is a
 * batch of S concurrent streams with distinct prompts (distinct per round too, so llama-server's
 * prompt cache cannot serve one round from the last); the same request bodies go to both.
 * Aggregate tokens/s is the batch's tokens over its wall time; TTFT is per stream.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ownCpuNs } from "./cpu.ts";
import { type CpuWindow, describeElsewhere, openCpuWindow, poolWindows } from "./cpu-window.ts";
import { isExecutable, startLlamaServer } from "./llama-server.ts";
import { alternating, gatewayUrl, interleavedRounds, loadEverywhere, type ScaleBench, spec } from "./scale-bench.ts";
import { countBad, promptFor, type StreamOutcome, streamChat, ttftMs } from "./scale-client.ts";
import { f0, f1, f3 } from "./scale-report.ts";
import { startGpuNodeProcess, waitForWorkers } from "./scale-stack.ts";
import { checkStreams } from "./scale-throughput.ts";
import { percentileOf, summarize } from "./stats.ts";

type Target = "switchyard" | "llama-server";
const TARGETS: readonly Target[] = ["switchyard", "llama-server"];
const MODEL = "slots";
const WORKER_ID = "slots-worker";

interface BatchRun {
  target: Target;
  round: number;
  outcomes: StreamOutcome[];
  tokensPerSecond: number;
  cpuUsPerToken: number;
  cpu: CpuWindow;
}

async function batch(b: ScaleBench, target: Target, url: string, round: number): Promise<BatchRun> {
  const { opts } = b;
  const close = openCpuWindow(b.watched);
  const outcomes = await Promise.all(
    Array.from({ length: opts.serverSlots }, (_, i) => streamChat(url, spec(b, MODEL, promptFor(`server r${round} s${i}`, i), opts.maxTokens))),
  );
  const cpu = close();
  const ok = outcomes.filter((o) => o.error === undefined);
  const tokens = ok.reduce((s, o) => s + o.tokens, 0);
  const start = Math.min(...outcomes.map((o) => o.sentAt));
  const end = Math.max(...ok.map((o) => o.doneAt));
  return { target, round, outcomes, tokensPerSecond: (tokens * 1000) / (end - start), cpuUsPerToken: ownCpuNs(cpu.own) / 1000 / tokens, cpu };
}

const brief = (r: BatchRun) => {
  const bad = countBad(r.outcomes, 0).failed;
  const t = r.outcomes.filter((o) => !o.error).map(ttftMs);
  return `${r.target.padEnd(12)} ${f0(r.tokensPerSecond).padStart(6)} tok/s  TTFT p50 ${f1(percentileOf(t, 0.5)).padStart(6)} ms  ${f0(r.cpuUsPerToken)} µs CPU/token${bad > 0 ? `  ${bad} streams FAILED` : ""}`;
};

/** The many-slot worker, on the same nats-server and prefix, serving only its own model id. */
async function startSlotsWorker(b: ScaleBench): Promise<void> {
  const dir = join(b.tmp, "models", WORKER_ID);
  await mkdir(dir, { recursive: true });
  await copyFile(b.gguf, join(dir, `${MODEL}.gguf`));
  const worker = await startGpuNodeProcess(b.wiring, { id: WORKER_ID, modelsDir: dir, threads: b.opts.threads, slots: b.opts.serverSlots, contextSize: b.opts.contextSize });
  b.cleanups.add(`gpu-node ${WORKER_ID}`, () => worker.stop());
  b.workers.push(worker);
  b.watched.push({ name: "gpu-node", pid: worker.pid });
  await waitForWorkers(gatewayUrl(b, "least-loaded"), b.wiring.adminToken, WORKER_ID, (ws) => ws.some((w) => w.id === WORKER_ID));
  await loadEverywhere(b, MODEL, [WORKER_ID]);
}

export async function serverSection(b: ScaleBench): Promise<void> {
  const { opts } = b;
  const s = opts.serverSlots;
  console.log(
    `\n4. one worker with --slots ${s} vs llama-server -np ${s} -t ${opts.threads} -c ${s * opts.contextSize}: ` +
      `${s} concurrent ${opts.maxTokens}-token streams with distinct prompts per run, same GGUF and request bodies`,
  );
  if (!(await isExecutable(opts.serverBin))) {
    console.log(
      `  SKIPPED: no llama-server binary at ${opts.serverBin}. Build one with scripts/build-llama-server.sh DIR ` +
        "(about 15 min on 2 cores), then set LLAMA_SERVER_BIN=DIR/src/build/bin/llama-server or pass --llama-server.",
    );
    for (const what of ["aggregate tok/s", "TTFT p50"]) {
      b.verdicts.add({ section: "server", measured: `${what} against llama-server: skipped, no binary`, goal: what === "TTFT p50" ? "≤ 1.5 × llama-server's" : "≥ 1.0 × llama-server's", met: "n/a" });
    }
    return;
  }
  await startSlotsWorker(b);
  const server = await startLlamaServer({ bin: opts.serverBin, model: b.gguf, threads: opts.threads, slots: s, contextPerSlot: opts.contextSize, logFile: join(b.tmp, "llama-server.log") });
  b.cleanups.add("llama-server", () => server.stop());
  b.watched.push({ name: "llama-server", pid: server.pid });
  const urls: Record<Target, string> = { switchyard: gatewayUrl(b, "least-loaded"), "llama-server": server.url };
  console.log(`  llama-server ${opts.serverBin} on ${server.url} (pid ${server.pid})`);
  const runs = await interleavedRounds(b, "server", alternating(TARGETS), (target, i) => batch(b, target, urls[target], i), brief);
  report(b, runs);
}

function report(b: ScaleBench, runs: BatchRun[]): void {
  const { opts } = b;
  const of = (t: Target) => runs.filter((r) => r.target === t);
  const row = (t: Target) => {
    const outcomes = of(t).flatMap((r) => r.outcomes);
    return {
      tps: summarize(of(t).map((r) => r.tokensPerSecond)).p50,
      ttft: percentileOf(
        outcomes.filter((o) => !o.error).map(ttftMs),
        0.5,
      ),
      cpu: summarize(of(t).map((r) => r.cpuUsPerToken)).p50,
      bad: countBad(outcomes, opts.maxTokens),
      n: outcomes.length,
    };
  };
  const sy = row("switchyard");
  const ls = row("llama-server");
  console.log("\n  target         aggregate tok/s p50   TTFT p50 ms   CPU µs/token   streams failed / short");
  for (const [name, r] of [
    ["switchyard", sy],
    ["llama-server", ls],
  ] as const) {
    console.log(`  ${name.padEnd(14)} ${f0(r.tps).padStart(19)}   ${f1(r.ttft).padStart(11)}   ${f0(r.cpu).padStart(12)}   ${r.bad.failed} / ${r.bad.short} of ${r.n}`);
  }
  checkStreams(b, of("switchyard").flatMap((r) => r.outcomes), opts.maxTokens, `worker with ${opts.serverSlots} slots`);
  if (ls.bad.failed + ls.bad.short > 0) {
    console.log(`  llama-server cut ${ls.bad.failed} streams and ended ${ls.bad.short} early${ls.bad.firstError ? ` (first: ${ls.bad.firstError})` : ""}; its figures count completed streams only`);
  }
  const paired = summarize(
    of("switchyard").flatMap((r) => {
      const other = of("llama-server").find((x) => x.round === r.round);
      return other ? [r.tokensPerSecond / other.tokensPerSecond] : [];
    }),
  ).p50;
  b.verdicts.add({
    section: "server",
    measured: `aggregate tok/s with ${opts.serverSlots} streams: ${f0(sy.tps)} vs llama-server ${f0(ls.tps)} = ${f3(sy.tps / ls.tps)} × (paired p50 ${f3(paired)})`,
    goal: "≥ 1.0 × llama-server's",
    met: sy.tps >= ls.tps,
  });
  b.verdicts.add({
    section: "server",
    measured: `TTFT p50 with ${opts.serverSlots} streams: ${f1(sy.ttft)} ms vs llama-server ${f1(ls.ttft)} ms = ${f3(sy.ttft / ls.ttft)} ×`,
    goal: "≤ 1.5 × llama-server's",
    met: sy.ttft <= 1.5 * ls.ttft,
  });
  console.log(`  during the measured runs ${describeElsewhere(poolWindows(runs.map((r) => r.cpu)))}`);
}
