/**
 * @module `bench:scale` section 1: aggregate tokens/s of 1..N pool workers (one slot each) under
 * closed-loop 256-token streams, against linear scaling of the 1-worker figure measured in the
 * same rounds. Where the cores cannot carry N workers, the goal is read against what they can
 * carry: the machine's cores not taken by other work, over the CPU per token the 1-worker runs
 * cost (gpu-node, gateway, nats-server and this client together).
 */
import { ownCpuNs } from "./cpu.ts";
import { type CpuWindow, describeElsewhere, openCpuWindow, poolWindows } from "./cpu-window.ts";
import { gatewayUrl, interleavedRounds, type ScaleBench, spec } from "./scale-bench.ts";
import { closedLoops, countBad, promptFor, type StreamOutcome, streamChat } from "./scale-client.ts";
import { f0, f2, f3, type Verdict } from "./scale-report.ts";
import { poolModel } from "./scale-stack.ts";
import { summarize } from "./stats.ts";

interface ScaleRun {
  workers: number;
  round: number;
  tokensPerSecond: number;
  /** All CPU of the watched processes over the run, per token generated in it. */
  cpuNsPerToken: number;
  outcomes: StreamOutcome[];
  cpu: CpuWindow;
}

/** Tokens of one stream that fell inside [from, to], assuming a steady rate from its first to its last token. */
function tokensWithin(o: StreamOutcome, from: number, to: number): number {
  if (o.error !== undefined || !Number.isFinite(o.firstAt)) return 0;
  const span = o.lastAt - o.firstAt;
  if (span <= 0) return o.firstAt >= from && o.firstAt <= to ? o.tokens : 0;
  const overlap = Math.max(0, Math.min(to, o.lastAt) - Math.max(from, o.firstAt));
  return (o.tokens * overlap) / span;
}

async function runOnce(b: ScaleBench, workers: number, round: number): Promise<ScaleRun> {
  const { opts } = b;
  const url = gatewayUrl(b, "least-loaded");
  const model = poolModel(workers);
  const close = openCpuWindow(b.watched);
  const start = performance.now();
  const until = start + opts.scaleSeconds * 1000;
  // Counted from a little after the start, when every stream is past its first token.
  const from = start + Math.min(500, (opts.scaleSeconds * 1000) / 4);
  const outcomes = await closedLoops(
    opts.streamsPerWorker * workers,
    () => performance.now() < until,
    (client, seq) => streamChat(url, spec(b, model, promptFor(`scale r${round} w${workers} c${client}`, seq), opts.maxTokens)),
  );
  const cpu = close();
  const tokens = outcomes.reduce((s, o) => s + tokensWithin(o, from, until), 0);
  const allTokens = outcomes.reduce((s, o) => s + (o.error ? 0 : o.tokens), 0);
  return { workers, round, tokensPerSecond: tokens / ((until - from) / 1000), cpuNsPerToken: ownCpuNs(cpu.own) / allTokens, outcomes, cpu };
}

function brief(r: ScaleRun): string {
  const byWorker = new Map<string, number>();
  for (const o of r.outcomes) if (o.worker) byWorker.set(o.worker, (byWorker.get(o.worker) ?? 0) + 1);
  const share = [...byWorker.entries()]
    .sort()
    .map(([w, n]) => `${w} ${f0((100 * n) / r.outcomes.length)}%`)
    .join(" ");
  return `${r.workers} worker${r.workers > 1 ? "s" : " "}  ${f0(r.tokensPerSecond).padStart(6)} tok/s  ${String(r.outcomes.length).padStart(3)} streams (${share})  own ${f2(r.cpu.ownCores)} cores, other ${f2(r.cpu.elsewhereCores)}`;
}

export async function scaleSection(b: ScaleBench): Promise<void> {
  const { opts } = b;
  const counts = Array.from({ length: opts.workers }, (_, i) => i + 1);
  console.log(
    `\n1. scaling: aggregate tok/s of 1..${opts.workers} workers (1 slot, ${opts.threads} thread${opts.threads > 1 ? "s" : ""} each), ` +
      `${opts.streamsPerWorker} concurrent ${opts.maxTokens}-token streams per worker, ${opts.scaleSeconds} s per run, least-loaded gateway`,
  );
  // Rotating the order evens out any advantage of running right after a particular count.
  const rotated = (i: number) => counts.map((_, k) => counts[(i + k) % counts.length]!);
  const runs = await interleavedRounds(b, "scale", rotated, (n, i) => runOnce(b, n, i), brief);
  report(b, runs, counts);
}

function report(b: ScaleBench, runs: ScaleRun[], counts: number[]): void {
  const { opts, cores } = b;
  const of = (n: number) => runs.filter((r) => r.workers === n);
  const one = summarize(of(1).map((r) => r.tokensPerSecond)).p50;
  const cpuPerToken1 = summarize(of(1).map((r) => r.cpuNsPerToken)).p50;
  // Cores a steady 1-worker load takes: its CPU per token at its rate.
  const need1 = (cpuPerToken1 * one) / 1e9;
  console.log("\n  workers   tok/s p50   linear   ratio   paired p50   CPU µs/token   other processes (cores)");
  for (const n of counts) {
    const tps = summarize(of(n).map((r) => r.tokensPerSecond)).p50;
    const paired = summarize(
      of(n).flatMap((r) => {
        const base = of(1).find((x) => x.round === r.round);
        return base ? [r.tokensPerSecond / (n * base.tokensPerSecond)] : [];
      }),
    ).p50;
    const cpu = summarize(of(n).map((r) => r.cpuNsPerToken)).p50 / 1000;
    const other = poolWindows(of(n).map((r) => r.cpu)).elsewhereCores;
    console.log(`  ${String(n).padEnd(7)} ${f0(tps).padStart(9)} ${f0(n * one).padStart(8)}   ${f3(tps / (n * one))}   ${f3(paired).padStart(10)}   ${f0(cpu).padStart(12)}   ${f2(other)}`);
  }
  const allowed = Math.floor(cores / need1 + 1e-9);
  console.log(
    `  on ${cores} cores: one worker's load (gpu-node, gateway, nats-server and this client) takes ${f2(need1)} cores at ${f0(one)} tok/s, ` +
      `so at that CPU per token the cores carry ${f2(cores / need1)}× the 1-worker rate (${allowed >= 2 ? `linear up to ${allowed} workers` : "not even 2 workers linearly"}); ` +
      `${opts.workers} workers × ${opts.threads} thread${opts.threads > 1 ? "s" : ""} ${opts.workers * opts.threads > cores ? "oversubscribe" : "fit"} the ${cores} cores`,
  );
  const cheaper = counts.slice(1).filter((n) => summarize(of(n).map((r) => r.cpuNsPerToken)).p50 < 0.8 * cpuPerToken1);
  if (cheaper.length > 0) {
    console.log(`  (${cheaper.join(", ")} workers spent under 0.8× the 1-worker CPU per token: the core-bound ceiling below, taken at the 1-worker cost, is then conservative)`);
  }
  const base = { one, cpuPerToken1, need1, cores };
  for (const n of counts.slice(1)) {
    const tps = summarize(of(n).map((r) => r.tokensPerSecond)).p50;
    b.verdicts.add(verdict(n, tps, poolWindows(of(n).map((r) => r.cpu)).elsewhereCores, base));
  }
  checkStreams(b, runs.flatMap((r) => r.outcomes), opts.maxTokens);
  console.log(`  during the measured runs ${describeElsewhere(poolWindows(runs.map((r) => r.cpu)))}`);
}

/**
 * Against linear where the cores carry N workers at the 1-worker CPU per token; else against the
 * lower of linear and the cores free of other work over that CPU per token.
 */
function verdict(n: number, tps: number, otherCores: number, base: { one: number; cpuPerToken1: number; need1: number; cores: number }): Verdict {
  const { one, cpuPerToken1, need1, cores } = base;
  const ratio = tps / (n * one);
  if (n * need1 <= cores) return { section: "scale", measured: `${n} workers: ${f0(tps)} tok/s = ${f3(ratio)} × linear`, goal: "≥ 0.9 × linear", met: ratio >= 0.9 };
  const free = cores - (Number.isFinite(otherCores) ? Math.max(0, otherCores) : 0);
  const ceiling = (free * 1e9) / cpuPerToken1;
  const ofCeiling = tps / Math.min(n * one, ceiling);
  return {
    section: "scale",
    measured: `${n} workers: ${f0(tps)} tok/s = ${f3(ratio)} × linear, ${f3(ofCeiling)} × what the cores allow (${f0(ceiling)} tok/s)`,
    goal: "≥ 0.9 × min(linear, cores allow)",
    met: ofCeiling >= 0.9,
    note: `at the 1-worker CPU per token, linear needs ~${f2(n * need1)} cores (${cores} present, ${f2(cores - free)} of them taken by other processes), so the goal is read against the lower of linear and that ceiling`,
  };
}

/** Every stream through the gateway must finish, at exactly max_tokens; anything else is a problem of the run. */
export function checkStreams(b: ScaleBench, outcomes: readonly StreamOutcome[], maxTokens: number, who = "gateway"): void {
  const bad = countBad(outcomes, maxTokens);
  if (bad.failed === 0 && bad.short === 0) return;
  const problem = `${who}: ${bad.failed} of ${outcomes.length} streams failed${bad.firstError ? ` (first: ${bad.firstError})` : ""}, ${bad.short} ended before ${maxTokens} tokens`;
  console.warn(`  WARNING: ${problem}`);
  b.problems.push(problem);
}
