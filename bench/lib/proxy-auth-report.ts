/**
 * @module Prints `bench:proxy`'s auth comparison: the gateway with auth off (open mode) against one
 * with auth on (an API key with limits, sent by the load), per round and pooled, against the
 * issue's goal; the gateway's CPU per request either way; latency at one connection.
 */
import { sumProcTimes } from "./cpu.ts";
import { type LoadResult, latencyAt, poolRuns } from "./load.ts";
import type { Mode } from "./proxy-options.ts";
import { f0, f2, f3, MODE_TITLES, mark, type ProxyRun, pick, signed } from "./proxy-report.ts";

/** Auth, limits and the usage write must not become the bottleneck. */
export const AUTH_GOALS = { rpsRatio: 0.9 };

/** The process that serves each side: the auth-off runs go to the proxy part's gateway. */
export const AUTH_PROCESS = { "auth-off": "gateway", "auth-on": "gateway-auth" } as const;

function row(label: string, off: LoadResult, on: LoadResult): string {
  const o50 = latencyAt(off, 0.5);
  const o99 = latencyAt(off, 0.99);
  const n50 = latencyAt(on, 0.5);
  const n99 = latencyAt(on, 0.99);
  return (
    `  ${label.padEnd(18)} ${f0(off.rps).padStart(12)} ${f0(on.rps).padStart(11)}  ${f3(on.rps / off.rps).padStart(6)}` +
    `   ${f2(o50).padStart(7)} / ${f2(o99).padEnd(7)}  ${f2(n50).padStart(7)} / ${f2(n99).padEnd(7)}  ${signed(n50 - o50).padStart(8)} / ${signed(n99 - o99).padEnd(8)}`
  );
}

const HEADER = "  round (order)       auth off rps  auth on rps  ratio    off p50 / p99 ms     on p50 / p99 ms      added p50 / p99 ms";

/** One block per mode: every round, then all rounds pooled, checked against the goal. Returns whether every mode met it. */
export function printAuthComparison(runs: readonly ProxyRun[], modes: readonly Mode[], connections: number, duration: number): boolean {
  const measured = runs.filter((r) => r.round > 0 && (r.target === "auth-off" || r.target === "auth-on"));
  const rounds = [...new Set(measured.map((r) => r.round))].sort((a, b) => a - b);
  let met = true;
  for (const mode of modes) {
    console.log(`\nauth off vs on, ${MODE_TITLES[mode]}: ${connections} connections, ${rounds.length} x ${duration} s per side`);
    console.log(HEADER);
    for (const round of rounds) {
      const off = pick(measured, mode, "auth-off", round);
      const on = pick(measured, mode, "auth-on", round);
      if (!off || !on) continue;
      const order = measured.indexOf(off) < measured.indexOf(on) ? "off first" : "on first";
      console.log(row(`${round} (${order})`, off.load, on.load));
    }
    const off = poolRuns(measured.filter((r) => r.mode === mode && r.target === "auth-off").map((r) => r.load));
    const on = poolRuns(measured.filter((r) => r.mode === mode && r.target === "auth-on").map((r) => r.load));
    console.log(row("all rounds pooled", off, on));
    const ratio = on.rps / off.rps;
    const ok = ratio >= AUTH_GOALS.rpsRatio;
    met &&= ok;
    console.log(
      `  goal: rps ratio on/off ${f3(ratio)} >= ${AUTH_GOALS.rpsRatio} [${mark(ok)}]; ` +
        `added latency p50 ${signed(latencyAt(on, 0.5) - latencyAt(off, 0.5))} ms, p99 ${signed(latencyAt(on, 0.99) - latencyAt(off, 0.99))} ms`,
    );
  }
  return met;
}

/**
 * The serving gateway's CPU per request with auth off and on (its own process each way), and what
 * the load generator and the upstream spent: the steadier figure when the processes share few cores.
 */
export function printAuthCpu(runs: readonly ProxyRun[], modes: readonly Mode[], cores: number): void {
  const us = (ns: number, n: number) => ns / 1000 / n;
  console.log(`\nauth: CPU per request in µs, measured runs pooled (main = JS thread, other = libuv/GC/other threads, wait = runnable but no core free)`);
  console.log(`  mode    auth   ${"serving gateway main/other/wait".padStart(32)}${"bench main+other".padStart(18)}${"upstream main+other".padStart(21)}   all-CPU  ceiling at ${cores} cores`);
  for (const mode of modes) {
    const gatewayUs: number[] = [];
    for (const target of ["auth-off", "auth-on"] as const) {
      const rs = runs.filter((r) => r.round > 0 && r.mode === mode && r.target === target);
      const n = rs.reduce((s, r) => s + r.load.responses, 0);
      if (n === 0) continue;
      const sum = (name: string) => {
        const t = sumProcTimes(rs, name);
        return { main: t.mainNs, other: t.otherNs, wait: t.waitNs };
      };
      const g = sum(AUTH_PROCESS[target]);
      const bench = sum("bench");
      const upstream = sum("upstream");
      const all = g.main + g.other + bench.main + bench.other + upstream.main + upstream.other;
      gatewayUs.push(us(g.main + g.other, n));
      console.log(
        `  ${mode.padEnd(7)} ${target.slice(5).padEnd(5)}  ${`${f0(us(g.main, n))}/${f0(us(g.other, n))}/${f0(us(g.wait, n))}`.padStart(32)}` +
          `${f0(us(bench.main + bench.other, n)).padStart(18)}${f0(us(upstream.main + upstream.other, n)).padStart(21)}` +
          `   ${f0(us(all, n)).padStart(7)}  ${f0((cores * 1e6) / us(all, n)).padStart(8)} rps`,
      );
    }
    if (gatewayUs.length === 2) {
      const [off, on] = gatewayUs as [number, number];
      console.log(`  ${mode.padEnd(7)} the gateway's CPU per request with auth on: ${signed(on - off)} µs (${f3(on / off)} x auth off)`);
    }
  }
}

/** Latency with one connection: no queueing, so the difference is the time auth and limits add to a request. */
export function printAuthProbe(runs: readonly ProxyRun[], modes: readonly Mode[], duration: number): void {
  const probes = runs.filter((r) => r.round === -1 && (r.target === "auth-off" || r.target === "auth-on"));
  if (probes.length === 0) return;
  console.log(`\nauth, unloaded: 1 connection, ${duration} s per side (no queueing: the added latency is auth's and the limits' own time per request)`);
  console.log(HEADER.replace("round (order)", "mode         "));
  for (const mode of modes) {
    const off = pick(probes, mode, "auth-off", -1);
    const on = pick(probes, mode, "auth-on", -1);
    if (off && on) console.log(row(mode, off.load, on.load));
  }
}
