/** @module Prints `bench:proxy`'s tables: direct vs gateway per round and pooled, goals, CPU per request, unloaded latency, correctness. */
import { type CpuSnapshot, sumProcTimes } from "./cpu.ts";
import { type LoadResult, latencyAt, poolRuns } from "./load.ts";
import type { Mode } from "./proxy-options.ts";

/**
 * Where a run's load went: "direct" to the fake upstream, "gateway" through the gateway (open
 * mode); in the auth comparison "auth-off" (that same gateway, open mode) and "auth-on" (a second
 * gateway whose store holds an API key, which the load sends); "cache" a gateway answering from
 * its response cache; "floor" a bare node:http proxy.
 */
export type Target = "direct" | "gateway" | "auth-off" | "auth-on" | "cache" | "floor";

export interface ProxyRun {
  mode: Mode;
  target: Target;
  /** 1-based measured round; 0 for warm-up, -1 for the single-connection probe. */
  round: number;
  load: LoadResult;
  cpu: CpuSnapshot;
  /** Share of the machine's CPU (all cores, the run's wall time) used outside the bench's processes. */
  elsewherePct: number;
  /** Share of it the hypervisor took (steal). */
  stealPct: number;
}

/**
 * The goals of the cloud-path issue (#13): RPS against direct at 32 connections per mode, the
 * gateway's CPU per request (main + other threads), and the latency it adds at 1 connection.
 */
export const GOALS = {
  rpsRatio: { json: 0.2, stream: 0.15 } as Record<Mode, number>,
  gatewayCpuUs: { json: 400, stream: 1000 } as Record<Mode, number>,
  addedP50Ms: 0.3,
  addedP99Ms: 2,
};

export const MODE_TITLES: Record<Mode, string> = {
  json: "non-streaming (JSON)",
  stream: "streaming (SSE, full response time)",
};

export const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");
export const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "-");
export const signed = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(2)}` : "-");
export const mark = (ok: boolean) => (ok ? "ok" : "MISSED");

interface Pair {
  label: string;
  direct: LoadResult;
  gateway: LoadResult;
}

function comparison(p: Pair) {
  const d50 = latencyAt(p.direct, 0.5);
  const d99 = latencyAt(p.direct, 0.99);
  const g50 = latencyAt(p.gateway, 0.5);
  const g99 = latencyAt(p.gateway, 0.99);
  return { ratio: p.gateway.rps / p.direct.rps, d50, d99, g50, g99, added50: g50 - d50, added99: g99 - d99 };
}

function pairRow(p: Pair): string {
  const c = comparison(p);
  return (
    `  ${p.label.padEnd(18)} ${f0(p.direct.rps).padStart(10)} ${f0(p.gateway.rps).padStart(11)}  ${f3(c.ratio).padStart(6)}` +
    `   ${f2(c.d50).padStart(7)} / ${f2(c.d99).padEnd(7)}  ${f2(c.g50).padStart(8)} / ${f2(c.g99).padEnd(7)}  ${signed(c.added50).padStart(8)} / ${signed(c.added99).padEnd(8)}`
  );
}

const HEADER = "  round (order)       direct rps  gateway rps  ratio   direct p50 / p99 ms  gateway p50 / p99 ms    added p50 / p99 ms";

export const pick = (runs: readonly ProxyRun[], mode: Mode, target: Target, round: number) =>
  runs.find((r) => r.mode === mode && r.target === target && r.round === round);

/** One block per mode: every round, then all rounds pooled, checked against the goals. */
export function printComparison(runs: readonly ProxyRun[], modes: readonly Mode[], connections: number, duration: number): void {
  const measured = runs.filter((r) => r.round > 0);
  const rounds = [...new Set(measured.map((r) => r.round))].sort((a, b) => a - b);
  for (const mode of modes) {
    console.log(`\n${MODE_TITLES[mode]}: ${connections} connections, ${rounds.length} x ${duration} s per target`);
    console.log(HEADER);
    for (const round of rounds) {
      const direct = pick(measured, mode, "direct", round);
      const gateway = pick(measured, mode, "gateway", round);
      if (!direct || !gateway) continue;
      const order = measured.indexOf(direct) < measured.indexOf(gateway) ? "direct first" : "gateway first";
      console.log(pairRow({ label: `${round} (${order})`, direct: direct.load, gateway: gateway.load }));
    }
    const direct = poolRuns(measured.filter((r) => r.mode === mode && r.target === "direct").map((r) => r.load));
    const gateway = poolRuns(measured.filter((r) => r.mode === mode && r.target === "gateway").map((r) => r.load));
    console.log(pairRow({ label: "all rounds pooled", direct, gateway }));
    const c = comparison({ label: "", direct, gateway });
    console.log(`  goal: rps ratio ${f3(c.ratio)} >= ${GOALS.rpsRatio[mode]} [${mark(c.ratio >= GOALS.rpsRatio[mode])}]`);
  }
}

/**
 * CPU per request by process. In a closed loop on a small machine this is the figure that does
 * not depend on who got a core when: the gateway's µs per request bound its throughput.
 */
export function printCpu(runs: readonly ProxyRun[], modes: readonly Mode[], processes: readonly string[], cores: number): void {
  const us = (ns: number, n: number) => ns / 1000 / n;
  console.log(
    `\nCPU per request in µs, measured runs pooled (main = JS thread, other = libuv/GC/other threads, wait = runnable but no core free)`,
  );
  console.log(
    `  mode    target   ${processes.map((p) => `${p} main/other/wait`.padStart(27)).join("")}   all-CPU  ceiling at ${cores} cores`,
  );
  for (const mode of modes) {
    for (const target of ["direct", "gateway"] as const) {
      const rs = runs.filter((r) => r.round > 0 && r.mode === mode && r.target === target);
      const n = rs.reduce((s, r) => s + r.load.responses, 0);
      if (n === 0) continue;
      let all = 0;
      const cells = processes.map((p) => {
        const { mainNs: main, otherNs: other, waitNs: wait } = sumProcTimes(rs, p);
        // A process that took no part (the gateway in direct runs) shows only its idle crumbs.
        all += main + other;
        return `${f0(us(main, n))}/${f0(us(other, n))}/${f0(us(wait, n))}`.padStart(27);
      });
      const allUs = us(all, n);
      console.log(`  ${mode.padEnd(7)} ${target.padEnd(8)} ${cells.join("")}   ${f0(allUs).padStart(7)}  ${f0((cores * 1e6) / allUs).padStart(8)} rps`);
    }
    const gw = runs.filter((r) => r.round > 0 && r.mode === mode && r.target === "gateway");
    const n = gw.reduce((s, r) => s + r.load.responses, 0);
    if (n > 0 && processes.includes("gateway")) {
      const { mainNs, otherNs } = sumProcTimes(gw, "gateway");
      const cpu = us(mainNs + otherNs, n);
      console.log(`  goal: gateway CPU ${f0(cpu)} µs per request (main + other) <= ${GOALS.gatewayCpuUs[mode]} µs [${mark(cpu <= GOALS.gatewayCpuUs[mode])}]`);
    }
  }
}

/** Latency with one connection: no queueing, so the difference is the gateway's own time per request. */
export function printProbe(runs: readonly ProxyRun[], modes: readonly Mode[], duration: number): void {
  const probes = runs.filter((r) => r.round === -1);
  if (probes.length === 0) return;
  console.log(`\nunloaded: 1 connection, ${duration} s per target (no queueing: the added latency is the gateway's own time per request)`);
  console.log(HEADER.replace("round (order)", "mode         "));
  for (const mode of modes) {
    const direct = pick(probes, mode, "direct", -1);
    const gateway = pick(probes, mode, "gateway", -1);
    if (!direct || !gateway) continue;
    console.log(pairRow({ label: mode, direct: direct.load, gateway: gateway.load }));
    if (mode !== "json") continue;
    const c = comparison({ label: mode, direct: direct.load, gateway: gateway.load });
    console.log(
      `  goals: added p50 ${signed(c.added50)} ms <= ${GOALS.addedP50Ms} ms [${mark(c.added50 <= GOALS.addedP50Ms)}], ` +
        `added p99 ${signed(c.added99)} ms <= ${GOALS.addedP99Ms} ms [${mark(c.added99 <= GOALS.addedP99Ms)}]`,
    );
  }
}

const ELSEWHERE_WARN_PCT = 10;

/** How much else ran on the machine during the measured runs: a busy neighbour skews everything. */
export function printElsewhere(runs: readonly ProxyRun[]): void {
  const measured = runs.filter((r) => r.round !== 0 && Number.isFinite(r.elsewherePct));
  if (measured.length === 0) return;
  const worst = measured.reduce((w, r) => (r.elsewherePct > w.elsewherePct ? r : w));
  const mean = measured.reduce((s, r) => s + r.elsewherePct, 0) / measured.length;
  const steal = Math.max(...measured.map((r) => r.stealPct));
  const line =
    `\nCPU used outside the bench's processes during measured runs: mean ${mean.toFixed(1)}%, ` +
    `worst ${worst.elsewherePct.toFixed(1)}% (${worst.mode} ${worst.target} ${worst.round > 0 ? `round ${worst.round}` : "1 connection"}); steal up to ${steal.toFixed(1)}%`;
  console.log(line);
  if (worst.elsewherePct > ELSEWHERE_WARN_PCT)
    console.log(`WARNING: more than ${ELSEWHERE_WARN_PCT}% of the machine went to other work during a run: its figures are skewed; run again on a quiet machine`);
}

/** Zero non-2xx, errors, timeouts and body mismatches over every run, warm-ups included; true if so. */
export function printCorrectness(runs: readonly ProxyRun[]): boolean {
  const all = poolRuns(runs.map((r) => r.load));
  const bad = runs.filter((r) => r.load.non2xx + r.load.errors + r.load.timeouts + r.load.mismatches > 0);
  const summary = `${all.non2xx} non-2xx, ${all.errors} errors, ${all.timeouts} timeouts, ${all.mismatches} body mismatches over ${all.responses} responses (warm-ups and probes included)`;
  if (bad.length === 0) {
    console.log(`\ncorrectness under load: ${summary} [ok]`);
    return true;
  }
  console.log(`\ncorrectness under load: ${summary} [FAILED]`);
  for (const r of bad) {
    const when = r.round > 0 ? `round ${r.round}` : r.round === 0 ? "warm-up" : "probe";
    console.log(`  ${r.mode} ${r.target} ${when}: ${r.load.non2xx} non-2xx, ${r.load.errors} errors, ${r.load.timeouts} timeouts, ${r.load.mismatches} mismatches`);
  }
  return false;
}
