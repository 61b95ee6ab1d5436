/**
 * @module The floor part of `bench:proxy`: the same load through a bare node:http proxy
 * (proxy-floor-server.ts), so the run itself says how much of the gap to direct any Node proxy
 * has, and how much is the gateway's own.
 */
import { type ChildService, startChildService } from "./child-service.ts";
import type { Cleanups } from "./cleanups.ts";
import { sumProcTimes } from "./cpu.ts";
import { latencyAt, poolRuns } from "./load.ts";
import type { Mode } from "./proxy-options.ts";
import { f0, f3, GOALS, type ProxyRun, signed, type Target } from "./proxy-report.ts";
import { type Bench, brief, CHAT_PATH, measure } from "./proxy-run.ts";
import { floorEntry } from "./proxy-setup.ts";

export const FLOOR_PROCESS = "floor";

export async function startFloor(b: Bench, cleanups: Cleanups, upstreamUrl: string): Promise<ChildService> {
  const floor = await startChildService({
    name: FLOOR_PROCESS,
    entry: floorEntry(b.opts),
    env: { ...process.env, BENCH_FLOOR_UPSTREAM: upstreamUrl },
  });
  cleanups.add(FLOOR_PROCESS, () => floor.stop());
  b.urls.floor = `${floor.url}${CHAT_PATH}`;
  b.watched.push({ name: FLOOR_PROCESS, pid: floor.pid });
  return floor;
}

/**
 * Warm-up, then rounds of the floor per mode. The proxy part's direct runs are its baseline; run
 * without it, the part measures direct itself, before the floor in odd rounds and after in even.
 */
export async function floorPart(b: Bench): Promise<void> {
  const { opts } = b;
  const withDirect = !opts.parts.includes("proxy");
  if (opts.warmup > 0) {
    console.log("\nfloor warm-up:");
    for (const mode of opts.modes) console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, "floor", 0, opts.connections, opts.warmup))}`);
  }
  console.log(`\nfloor measured rounds${withDirect ? "" : " (direct: the proxy part's runs)"}:`);
  for (let round = 1; round <= opts.rounds; round++) {
    for (const mode of opts.modes) {
      const targets: Target[] = !withDirect ? ["floor"] : round % 2 === 1 ? ["direct", "floor"] : ["floor", "direct"];
      for (const target of targets) console.log(`  round ${round} ${mode.padEnd(6)} ${brief(await measure(b, mode, target, round, opts.connections, opts.duration))}`);
    }
  }
  if (opts.probeDuration > 0) {
    console.log("\nfloor, 1 connection:");
    for (const mode of opts.modes) {
      for (const target of withDirect ? (["direct", "floor"] as const) : (["floor"] as const))
        console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, target, -1, 1, opts.probeDuration))}`);
    }
  }
}

interface Pooled {
  rps: number;
  /** CPU µs per request of the named process (main + other threads). */
  cpuUs: number;
}

function pooled(runs: readonly ProxyRun[], mode: Mode, target: Target, process: string): Pooled | undefined {
  const rs = runs.filter((r) => r.round > 0 && r.mode === mode && r.target === target);
  if (rs.length === 0) return undefined;
  const load = poolRuns(rs.map((r) => r.load));
  const { mainNs, otherNs } = sumProcTimes(rs, process);
  return { rps: load.rps, cpuUs: (mainNs + otherNs) / 1000 / load.responses };
}

/** What a target adds to direct's median latency at 1 connection (ms), if both were probed. */
function addedP50(runs: readonly ProxyRun[], mode: Mode, target: Target): number {
  const probe = (t: Target) => runs.find((r) => r.round === -1 && r.mode === mode && r.target === t);
  const direct = probe("direct");
  const other = probe(target);
  return direct && other ? latencyAt(other.load, 0.5) - latencyAt(direct.load, 0.5) : Number.NaN;
}

/** The floor against direct, and the gateway against the floor (when the proxy part ran). */
export function printFloor(runs: readonly ProxyRun[], modes: readonly Mode[]): void {
  console.log(
    `\nfloor: a bare node:http proxy (body read, sent on over a keep-alive pool, answer piped back; no parsing, auth or accounting), ` +
      `same load, measured rounds pooled`,
  );
  console.log(
    "  mode    floor rps  ratio  floor CPU µs/req   gateway ratio  of the floor's   gateway CPU µs/req  above the floor   added p50 at 1 conn: floor / gateway",
  );
  for (const mode of modes) {
    const direct = pooled(runs, mode, "direct", "upstream");
    const floor = pooled(runs, mode, "floor", FLOOR_PROCESS);
    if (!direct || !floor) continue;
    const gateway = pooled(runs, mode, "gateway", "gateway");
    const floorRatio = floor.rps / direct.rps;
    const gatewayRatio = gateway ? gateway.rps / direct.rps : Number.NaN;
    console.log(
      `  ${mode.padEnd(6)} ${f0(floor.rps).padStart(10)}  ${f3(floorRatio)}  ${f0(floor.cpuUs).padStart(16)}   ${f3(gatewayRatio).padStart(13)}` +
        `  ${gateway ? `${f0((100 * gatewayRatio) / floorRatio)}%` : "-"}`.padStart(16) +
        `   ${gateway ? f0(gateway.cpuUs) : "-"}`.padStart(21) +
        `  ${gateway ? `+${f0(gateway.cpuUs - floor.cpuUs)}` : "-"}`.padStart(17) +
        `   ${signed(addedP50(runs, mode, "floor"))} / ${signed(addedP50(runs, mode, "gateway"))} ms`,
    );
    const goal = GOALS.rpsRatio[mode];
    if (floorRatio < goal)
      console.log(`  the rps goal (${goal}) is above the floor's ${f3(floorRatio)}: no Node proxy reaches it against this upstream on this machine`);
  }
}
