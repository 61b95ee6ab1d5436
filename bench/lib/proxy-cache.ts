/**
 * @module The cache part of `bench:proxy`: a third gateway whose routing config turns the exact
 * response cache on for every route, filled with one answer per mode, then the same closed-loop
 * load as the proxy part: every request a hit, answered without the upstream. Reports its RPS
 * against direct and its CPU per hit (goal of #13: <= 300 µs).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ChildService, startChildService } from "./child-service.ts";
import type { Cleanups } from "./cleanups.ts";
import { sumProcTimes } from "./cpu.ts";
import { requestBody } from "./proxy-fixture.ts";
import { f0, f3, mark, type ProxyRun } from "./proxy-report.ts";
import { type Bench, CHAT_PATH, measure } from "./proxy-run.ts";
import { gatewayEntry, gatewayEnv } from "./proxy-setup.ts";

export const CACHE_PROCESS = "gateway (cache)";
const HIT_CPU_GOAL_US = 300;

export async function startCacheGateway(b: Bench, cleanups: Cleanups, tmp: string, upstreamUrl: string): Promise<ChildService> {
  const config = join(tmp, "routes-cache.json");
  await writeFile(config, JSON.stringify({ cache: { ttlSeconds: 3600 } }));
  const gateway = await startChildService({
    name: CACHE_PROCESS,
    entry: gatewayEntry(b.opts),
    env: { ...gatewayEnv(b.opts, upstreamUrl, join(tmp, "data-cache")), SWITCHYARD_CONFIG: config },
    timeoutMs: 60_000,
    nodeArgs: b.opts.gatewayNodeFlags,
  });
  cleanups.add(CACHE_PROCESS, () => gateway.stop());
  b.urls.cache = `${gateway.url}${CHAT_PATH}`;
  b.watched.push({ name: CACHE_PROCESS, pid: gateway.pid });
  // One miss fills the cache; every request after it is a hit (a stream shares the entry).
  for (const [stream, expected] of [[false, "miss"], [false, "hit"], [true, "hit"]] as const) {
    const res = await fetch(b.urls.cache, { method: "POST", headers: { "content-type": "application/json" }, body: requestBody(stream) });
    await res.text();
    const got = res.headers.get("x-switchyard-cache");
    if (got !== expected) throw new Error(`the cache gateway answered x-switchyard-cache: ${got}, expected ${expected}`);
  }
  return gateway;
}

/** Rounds of hits per mode, after the proxy part's direct runs of the same rounds. */
export async function cachePart(b: Bench): Promise<void> {
  console.log("\ncache hits (every request answered from the cache):");
  for (let round = 1; round <= b.opts.rounds; round++)
    for (const mode of b.opts.modes) {
      const run = await measure(b, mode, "cache", round, b.opts.connections, b.opts.duration);
      console.log(`  round ${round} ${mode.padEnd(6)} cache  ${f0(run.load.rps).padStart(6)} rps`);
    }
}

export function printCache(runs: readonly ProxyRun[], b: Bench): void {
  console.log(`\ncache hit path: ${b.opts.connections} connections, ${b.opts.rounds} x ${b.opts.duration} s per mode`);
  for (const mode of b.opts.modes) {
    const pooled = (target: "direct" | "cache") => {
      const rs = runs.filter((r) => r.round > 0 && r.mode === mode && r.target === target);
      const n = rs.reduce((s, r) => s + r.load.responses, 0);
      return { rs, n, rps: rs.reduce((s, r) => s + r.load.responses, 0) / rs.reduce((s, r) => s + r.load.wallS, 0) };
    };
    const hits = pooled("cache");
    const direct = pooled("direct");
    if (hits.n === 0) continue;
    const { mainNs, otherNs } = sumProcTimes(hits.rs, CACHE_PROCESS);
    const cpuUs = (mainNs + otherNs) / 1000 / hits.n;
    console.log(`  ${mode.padEnd(6)} hits ${f0(hits.rps)} rps (${f3(hits.rps / direct.rps)} of direct), gateway CPU ${f0(cpuUs)} µs per hit`);
    console.log(`  goal: CPU per hit ${f0(cpuUs)} µs <= ${HIT_CPU_GOAL_US} µs [${mark(cpuUs <= HIT_CPU_GOAL_US)}]`);
  }
}
