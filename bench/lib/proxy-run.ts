/**
 * @module The shared runner of `npm run bench:proxy`: one timed load run against a target, with
 * the CPU of the watched processes and of the rest of the machine, and the profile windows.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { diff, ownCpuNs, snapshot, type WatchedProcess } from "./cpu.ts";
import { latencyAt, runLoad } from "./load.ts";
import type { ProfileWindow } from "./profiling.ts";
import { bodyCheck, requestBody } from "./proxy-fixture.ts";
import type { Mode, ProxyBenchOptions } from "./proxy-options.ts";
import type { ProxyRun, Target } from "./proxy-report.ts";
import { readSystemTimes } from "./system-cpu.ts";

export const CHAT_PATH = "/v1/chat/completions";

export interface Bench {
  opts: ProxyBenchOptions;
  cores: number;
  pieces: string[];
  urls: Partial<Record<Target, string>>;
  /** Extra request headers per target: the auth-on gateway's key. */
  headers: Partial<Record<Target, Record<string, string>>>;
  watched: WatchedProcess[];
  runs: ProxyRun[];
}

/** A part's measured rounds, in process.hrtime microseconds. */
export interface MeasuredWindow {
  startUs: number;
  endUs: number;
}

export function urlOf(b: Bench, target: Target): string {
  const url = b.urls[target];
  if (!url) throw new Error(`no ${target} target in this run`);
  return url;
}

export async function measure(b: Bench, mode: Mode, target: Target, round: number, connections: number, duration: number): Promise<ProxyRun> {
  const stream = mode === "stream";
  const sys0 = readSystemTimes();
  const before = snapshot(b.watched);
  const load = await runLoad({
    url: urlOf(b, target),
    body: requestBody(stream),
    headers: b.headers[target],
    connections,
    duration,
    verifyBody: bodyCheck(stream, b.pieces),
  });
  const cpu = diff(before, snapshot(b.watched));
  const sys1 = readSystemTimes();
  let elsewherePct = Number.NaN;
  let stealPct = Number.NaN;
  if (sys0 && sys1 && cpu.size === b.watched.length) {
    const ours = ownCpuNs(cpu);
    const capacityNs = load.wallS * 1e9 * b.cores;
    elsewherePct = (100 * Math.max(0, sys1.busyNs - sys0.busyNs - ours)) / capacityNs;
    stealPct = (100 * (sys1.stealNs - sys0.stealNs)) / capacityNs;
  }
  const run: ProxyRun = { mode, target, round, load, cpu, elsewherePct, stealPct };
  b.runs.push(run);
  await sleep(b.opts.settleMs);
  return run;
}

/** One line per run, as it finishes. */
export const brief = (r: ProxyRun) =>
  `${r.target.padEnd(8)} ${r.load.rps.toFixed(0).padStart(6)} rps  p50 ${latencyAt(r.load, 0.5).toFixed(2)} ms  p99 ${latencyAt(r.load, 0.99).toFixed(2).padEnd(6)} ms` +
  `  elsewhere ${Number.isFinite(r.elsewherePct) ? r.elsewherePct.toFixed(0) : "-"}%`;

/** Writes a profile window: the gateway profiles cover everything, the window picks a part's runs. */
export async function writeWindow(dir: string, file: string, startUs: number, endUs: number, variants: string[], requests: number): Promise<void> {
  const window: ProfileWindow = { startUs, endUs, variants, tokens: requests, unit: "req" };
  await writeFile(join(dir, file), JSON.stringify(window));
}

export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** What a part compares: two targets, and how its stages are headed. */
export interface PartPlan {
  pair: readonly [Target, Target];
  /** Warmed up when --warmup is not 0; usually the pair. */
  warm: readonly Target[];
  rounds: number;
  /** Seconds per measured run. */
  duration: number;
  headings: { warmup: string; rounds: string; probe: string };
}

/**
 * A part: warm-up, then measured rounds of the pair back to back per mode, alternating which goes
 * first (a, b, b, a, ...: evens out any advantage of running right after the other), then one
 * connection each. Returns the measured rounds' window.
 */
export async function runPart(b: Bench, p: PartPlan): Promise<MeasuredWindow> {
  const { opts } = b;
  if (opts.warmup > 0) {
    console.log(`\n${p.headings.warmup}:`);
    for (const mode of opts.modes) {
      for (const target of p.warm) console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, target, 0, opts.connections, opts.warmup))}`);
    }
  }

  console.log(`\n${p.headings.rounds}:`);
  const startUs = monotonicUs();
  const [first, second] = p.pair;
  for (let round = 1; round <= p.rounds; round++) {
    for (const mode of opts.modes) {
      const order = round % 2 === 1 ? [first, second] : [second, first];
      for (const target of order) console.log(`  round ${round} ${mode.padEnd(6)} ${brief(await measure(b, mode, target, round, opts.connections, p.duration))}`);
    }
  }
  const endUs = monotonicUs();

  if (opts.probeDuration > 0) {
    console.log(`\n${p.headings.probe}:`);
    for (const mode of opts.modes) {
      for (const target of p.pair) console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, target, -1, 1, opts.probeDuration))}`);
    }
  }
  return { startUs, endUs };
}
