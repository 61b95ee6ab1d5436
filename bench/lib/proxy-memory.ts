/**
 * @module The memory part of `bench:proxy`: a fresh gateway in front of a slow fake upstream
 * (each stream sent event by event over `streamSeconds`), its RSS when idle, while N streams
 * are held open at once, and once they have ended; with `soakMinutes`, waves of N streams one
 * after another for that long, the RSS after each (a leak shows as a rising line).
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { HeapSpaces } from "./child-server.ts";
import { type ChildService, startChildService } from "./child-service.ts";
import { diff, snapshot } from "./cpu.ts";
import type { Cleanups } from "./cleanups.ts";
import { requestBody } from "./proxy-fixture.ts";
import type { ProxyBenchOptions } from "./proxy-options.ts";
import { CHAT_PATH } from "./proxy-run.ts";
import { floorEntry, gatewayEntry, gatewayEnv } from "./proxy-setup.ts";

/** Goals of the issue: RSS with the streams open, and how close to idle it comes back. */
const PEAK_GOAL_MB = 150;
const RETURN_GOAL_MB = 20;

/** A field of a process's /proc status in MB (VmRSS: resident; RssAnon, RssFile: its two parts). */
function statusMb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** Resident memory of a process, MB (Linux /proc). */
export const rssMb = (pid: number): number => statusMb(pid, "VmRSS");

interface Wave {
  peakMb: number;
  /** What `midway` said halfway through (the streams all open). */
  midway: string;
  /** With a probe: the process's CPU per streamed event once the streams are all open (µs), and its main thread's share. */
  perEvent?: { us: number; mainUs: number; events: number };
  complete: number;
  failed: number;
  /** Why the failed ones failed ("status 502", "ECONNRESET", "cut short"), with counts. */
  reasons: string;
  seconds: number;
}

/** N streams at once through the gateway, each read to its end; RSS sampled meanwhile. */
async function wave(gateway: ChildService, streams: number, probe?: () => Promise<string>): Promise<Wave> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const body = requestBody(true);
  let peakMb = rssMb(gateway.pid);
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(gateway.pid));
  }, 100);
  const started = performance.now();
  const reasons = new Map<string, number>();
  const one = () =>
    new Promise<boolean>((resolve) => {
      const fail = (why: string) => {
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
        resolve(false);
      };
      const req = http.request(`${gateway.url}${CHAT_PATH}`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
        let tail = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          events += countEventEnds(chunk, tail);
          tail = (tail + chunk).slice(-200);
        });
        res.on("end", () => {
          if (res.statusCode !== 200) fail(`status ${res.statusCode}: ${tail.slice(0, 120)}`);
          else if (!tail.endsWith("data: [DONE]\n\n")) fail(`cut short: …${JSON.stringify(tail.slice(-120))}`);
          else resolve(true);
        });
        res.on("error", (e: NodeJS.ErrnoException) => fail(`response ${e.code ?? e.message}`));
      });
      req.on("error", (e: NodeJS.ErrnoException) => fail(`request ${e.code ?? e.message}`));
      req.end(body);
    });
  let events = 0;
  const all = Promise.all(Array.from({ length: streams }, one));
  let midway = "";
  let perEvent: Wave["perEvent"];
  if (probe) {
    // Past the burst of set-ups (~2 s here): what relaying the events costs, as an upstream
    // that sends one token at a time makes it cost (one read and one write per event).
    await sleep(CPU_WINDOW_FROM_MS);
    const before = { cpu: snapshot([{ name: "p", pid: gateway.pid }]), events };
    await sleep(CPU_WINDOW_TO_MS - CPU_WINDOW_FROM_MS);
    const cpu = diff(before.cpu, snapshot([{ name: "p", pid: gateway.pid }])).get("p");
    const n = events - before.events;
    if (cpu && n > 0) perEvent = { us: (cpu.mainNs + cpu.otherNs) / 1000 / n, mainUs: cpu.mainNs / 1000 / n, events: n };
    midway = `; midway${await probe()}`;
  }
  const results = await all;
  clearInterval(sampler);
  agent.destroy();
  const complete = results.filter(Boolean).length;
  const why = [...reasons].map(([r, n]) => `${n}× ${r}`).join("; ");
  return {
    peakMb: Math.max(peakMb, rssMb(gateway.pid)),
    midway,
    ...(perEvent ? { perEvent } : {}),
    complete,
    failed: streams - complete,
    reasons: why,
    seconds: (performance.now() - started) / 1000,
  };
}

/** SSE events that end in `chunk` (a blank line), one split across two reads included. */
function countEventEnds(chunk: string, before: string): number {
  let n = before.endsWith("\n") && chunk.startsWith("\n") ? 1 : 0;
  for (let i = chunk.indexOf("\n\n"); i >= 0; i = chunk.indexOf("\n\n", i + 2)) n++;
  return n;
}

/** The window of the measured wave in which CPU per event is taken, ms from its start. */
const CPU_WINDOW_FROM_MS = 3_000;
const CPU_WINDOW_TO_MS = 5_000;

const perEventLine = (w: Wave): string =>
  w.perEvent ? `CPU per relayed event ${w.perEvent.us.toFixed(1)} µs (main thread ${w.perEvent.mainUs.toFixed(1)}; ${w.perEvent.events} events)` : "CPU per event not measured";

const mb = (v: number) => `${v.toFixed(1)} MB`;

const WATCH_STEP_S = 5;

/**
 * How long the RSS is watched after the streams end, at most. V8's memory reducer gives the
 * garbage of a burst back only once its allocation-rate estimate has fallen below its threshold:
 * that estimate averages the last ten GCs' rates with the time since, and no GC comes while the
 * gateway is quiet, so it takes 40–70 s here (measured with --trace-gc-verbose), checked every 8 s.
 */
const RETURN_WATCH_MAX_S = 120;

/** The gateway's RSS every WATCH_STEP_S seconds for `seconds`, MB; with `until`, stops at the first reading it accepts. */
async function watchRss(gateway: ChildService, seconds: number, until?: (mb: number) => boolean): Promise<number[]> {
  const readings: number[] = [];
  for (let t = WATCH_STEP_S; t <= seconds; t += WATCH_STEP_S) {
    await sleep(WATCH_STEP_S * 1000);
    readings.push(rssMb(gateway.pid));
    if (until?.(readings.at(-1)!)) break;
  }
  return readings;
}

/**
 * The process's own view: V8 heap (the young generation's share of it apart: it grows to its
 * maximum under a burst and is committed whether full or not), memory outside it, array buffers,
 * and the RSS's anonymous and file-backed parts (MB).
 */
async function breakdown(child: ChildService): Promise<string> {
  const answer = (await child.ask("memory")) as { usage?: NodeJS.MemoryUsage; spaces?: HeapSpaces };
  const u = answer.usage;
  if (!u) return "";
  const m = (v: number) => (v / 1048576).toFixed(0);
  const young = Object.entries(answer.spaces ?? {})
    .filter(([name]) => name.startsWith("new_"))
    .reduce((sum, [, s]) => sum + s.committed, 0);
  return (
    ` (heap used ${m(u.heapUsed)} of ${m(u.heapTotal)} MB, young generation ${m(young)} MB of it, external ${m(u.external)} MB, array buffers ${m(u.arrayBuffers)} MB;` +
    ` RSS anonymous ${statusMb(child.pid, "RssAnon").toFixed(0)} MB, file-backed ${statusMb(child.pid, "RssFile").toFixed(0)} MB)`
  );
}
const verdict = (ok: boolean) => (ok ? "[ok]" : "[MISSED]");

/** Runs the part; true when every stream completed and the goals were met. */
export async function memoryPart(opts: ProxyBenchOptions, cleanups: Cleanups, tmp: string): Promise<boolean> {
  const eventDelayMs = Math.max(1, Math.round((opts.streamSeconds * 1000) / (opts.chunks + 3)));
  const upstream = await startChildService({
    name: "slow upstream",
    entry: "bench/lib/proxy-upstream.ts",
    env: { ...process.env, BENCH_UPSTREAM_CHUNKS: String(opts.chunks), BENCH_UPSTREAM_EVENT_DELAY_MS: String(eventDelayMs) },
  });
  cleanups.add("slow upstream", () => upstream.stop());
  const gateway = await startChildService({
    name: "gateway (memory)",
    entry: gatewayEntry(opts),
    env: gatewayEnv(opts, upstream.url, join(tmp, "data-memory")),
    // Only for the live-heap figure at the end, after every RSS reading.
    nodeArgs: [...opts.gatewayNodeFlags, "--expose-gc"],
    timeoutMs: 60_000,
  });
  cleanups.add("gateway (memory)", () => gateway.stop());
  console.log(`\nmemory: ${opts.streams} streams held open at once, each ${opts.chunks} events ${eventDelayMs} ms apart (~${opts.streamSeconds} s), gateway pid ${gateway.pid}`);

  // Warm: code paths compiled, pools and caches at their working size. Then idle as it settles:
  // V8's memory reducer gives pages back only some while (~30 s here) after allocation stops.
  const warm = await wave(gateway, 20);
  const idleReadings = await watchRss(gateway, opts.settleSeconds);
  const idle = idleReadings.at(-1) ?? rssMb(gateway.pid);
  console.log(`  idle after a warm-up of ${warm.complete} streams: RSS ${mb(idle)}${await breakdown(gateway)}`);
  console.log(`    RSS every ${WATCH_STEP_S} s meanwhile: ${idleReadings.map((r) => r.toFixed(0)).join(" ")} MB`);

  const open = await wave(gateway, opts.streams, () => breakdown(gateway));
  console.log(`  ${opts.streams} streams: ${open.complete} complete, ${open.failed} failed, in ${open.seconds.toFixed(1)} s; peak RSS ${mb(open.peakMb)}${open.midway}`);
  console.log(`    while they stream (${CPU_WINDOW_FROM_MS / 1000}–${CPU_WINDOW_TO_MS / 1000} s): ${perEventLine(open)}`);
  if (open.failed > 0) console.log(`    failed: ${open.reasons}`);
  const back = (r: number) => r - idle <= RETURN_GOAL_MB;
  const watchS = Math.max(opts.settleSeconds, RETURN_WATCH_MAX_S);
  const afterReadings = await watchRss(gateway, watchS, back);
  const after = afterReadings.at(-1) ?? rssMb(gateway.pid);
  const peakOk = open.peakMb <= PEAK_GOAL_MB;
  const returnOk = back(after);
  const waitedS = afterReadings.length * WATCH_STEP_S;
  console.log(
    `  ${waitedS} s after they ended: RSS ${mb(after)} (${after - idle >= 0 ? "+" : ""}${mb(after - idle)} against idle)${await breakdown(gateway)}; ` +
      (returnOk ? `back within ${RETURN_GOAL_MB} MB of idle after ${waitedS} s` : `not within ${RETURN_GOAL_MB} MB of idle in ${waitedS} s`),
  );
  console.log(`    RSS every ${WATCH_STEP_S} s: ${afterReadings.map((r) => r.toFixed(0)).join(" ")} MB`);
  const live = ((await gateway.ask("live-heap")) as { usage?: NodeJS.MemoryUsage }).usage;
  if (live)
    console.log(
      `  live heap after a full GC: ${(live.heapUsed / 1048576).toFixed(0)} MB (what is left is kept, not leaked, if this is near idle's); RSS then ${mb(live.rss / 1048576)}`,
    );
  console.log(
    `  goals: peak ${mb(open.peakMb)} <= ${PEAK_GOAL_MB} MB ${verdict(peakOk)}, back within ${RETURN_GOAL_MB} MB of idle (${mb(after - idle)}) ${verdict(returnOk)}`,
  );
  let ok = peakOk && returnOk && open.failed === 0;

  if (opts.soakMinutes > 0) {
    console.log(`\nsoak: waves of ${opts.streams} streams for ${opts.soakMinutes} min, RSS after each wave`);
    const until = performance.now() + opts.soakMinutes * 60_000;
    const afterWaves: number[] = [];
    let failed = 0;
    for (let i = 1; performance.now() < until; i++) {
      const w = await wave(gateway, opts.streams);
      failed += w.failed;
      await sleep(2_000);
      afterWaves.push(rssMb(gateway.pid));
      console.log(`  wave ${String(i).padStart(3)}: peak ${mb(w.peakMb)}, after ${mb(afterWaves.at(-1)!)}, ${w.failed} failed${w.failed > 0 ? ` (${w.reasons})` : ""}`);
    }
    const half = Math.floor(afterWaves.length / 2);
    const early = Math.min(...afterWaves.slice(0, Math.max(1, half)));
    const late = Math.min(...afterWaves.slice(half));
    console.log(`  lowest RSS 2 s after a wave, first half ${mb(early)}, second half ${mb(late)}; ${failed} failed streams`);
    // Between waves V8 has no quiet spell to give memory back in; after the last one it has.
    const settledReadings = await watchRss(gateway, watchS, back);
    const settled = settledReadings.at(-1) ?? rssMb(gateway.pid);
    const soakOk = back(settled) && failed === 0;
    console.log(
      `  ${settledReadings.length * WATCH_STEP_S} s after the last wave: RSS ${mb(settled)} (${settled - idle >= 0 ? "+" : ""}${mb(settled - idle)} against idle) ${verdict(soakOk)}`,
    );
    const end = ((await gateway.ask("live-heap")) as { usage?: NodeJS.MemoryUsage }).usage;
    if (end) console.log(`  live heap after a full GC at the end: ${(end.heapUsed / 1048576).toFixed(0)} MB (idle's: see above; a leak would grow it wave by wave)`);
    ok &&= soakOk;
  }
  await gateway.stop();
  await floorMemory(opts, upstream.url, cleanups, idle, open.peakMb);
  await upstream.stop();
  return ok;
}

/**
 * The same waves through the bare node:http proxy, after the gateway has stopped: how much of
 * the gateway's peak any Node proxy holding these streams needs (two sockets, an HTTP parser, a
 * request and a response on each side), and how much is the gateway's own.
 */
async function floorMemory(opts: ProxyBenchOptions, upstreamUrl: string, cleanups: Cleanups, gatewayIdle: number, gatewayPeak: number): Promise<void> {
  const floor = await startChildService({ name: "floor (memory)", entry: floorEntry(opts), env: { ...process.env, BENCH_FLOOR_UPSTREAM: upstreamUrl } });
  cleanups.add("floor (memory)", () => floor.stop());
  await wave(floor, 20);
  const idle = (await watchRss(floor, opts.settleSeconds)).at(-1) ?? rssMb(floor.pid);
  const open = await wave(floor, opts.streams, () => breakdown(floor));
  await floor.stop();
  const perStream = (from: number, to: number) => `${(((to - from) * 1024) / opts.streams).toFixed(0)} KB per stream`;
  console.log(
    `  the floor (a bare node:http proxy${opts.built ? ", built" : ", under tsx"}) with the same ${opts.streams} streams: idle ${mb(idle)}, peak ${mb(open.peakMb)} ` +
      `(+${mb(open.peakMb - idle)}, ${perStream(idle, open.peakMb)}; ${open.complete} complete${open.midway}; ${perEventLine(open)}); ` +
      `the gateway +${mb(gatewayPeak - gatewayIdle)} over its idle (${perStream(gatewayIdle, gatewayPeak)})`,
  );
}
