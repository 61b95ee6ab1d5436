/**
 * @module `bench:scale` section 2: time to first token of short requests sent beside long ones,
 * on W workers with one slot each. W − 1 closed-loop clients keep long streams running, so one
 * slot is free at any moment; one client sends short requests one after another with small
 * gaps. least-loaded sends each to the free slot; queue-group lets NATS pick a worker at
 * random, and a busy one refuses (worker_busy), which the gateway retries. Two gateway
 * processes, one per mode, drive the same workers; rounds alternate which goes first.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type CpuWindow, describeElsewhere, openCpuWindow, poolWindows } from "./cpu-window.ts";
import { scrape, total } from "../../tests/helpers/prom-text.ts";
import { alternating, gatewayUrl, interleavedRounds, type ScaleBench, spec } from "./scale-bench.ts";
import { closedLoops, promptFor, type StreamOutcome, streamChat, ttftMs } from "./scale-client.ts";
import { f0, f1, f3 } from "./scale-report.ts";
import { type Dispatch, poolModel } from "./scale-stack.ts";
import { checkStreams } from "./scale-throughput.ts";
import { percentileOf } from "./stats.ts";

const MODES: readonly Dispatch[] = ["least-loaded", "queue-group"];

interface TtftRun {
  mode: Dispatch;
  shorts: StreamOutcome[];
  longs: StreamOutcome[];
  /** worker_busy refusals the workers answered during the run (queue-group's retries). */
  busy: number;
  cpu: CpuWindow;
}

/** worker_busy refusals so far, all pool workers together, for the section's model. */
async function busyRefusals(b: ScaleBench, model: string): Promise<number> {
  const pages = await Promise.all(b.workers.map((w) => scrape(w.metricsUrl)));
  return pages.reduce((n, page) => n + total(page, "switchyard_worker_rejected_total", { model, code: "worker_busy" }), 0);
}

async function runOnce(b: ScaleBench, mode: Dispatch, round: number): Promise<TtftRun> {
  const { opts } = b;
  const url = gatewayUrl(b, mode);
  const model = poolModel(opts.ttftWorkers);
  const busyBefore = await busyRefusals(b, model);
  const close = openCpuWindow(b.watched);
  let longsOn = true;
  const longsDone = closedLoops(
    opts.ttftWorkers - 1,
    () => longsOn,
    (client, seq) => streamChat(url, spec(b, model, promptFor(`long ${mode} r${round} c${client}`, seq), opts.longTokens)),
  );
  // Let the long streams take their slots first.
  await sleep(300);
  const shorts: StreamOutcome[] = [];
  const until = performance.now() + opts.ttftSeconds * 1000;
  for (let i = 0; performance.now() < until; i++) {
    shorts.push(await streamChat(url, spec(b, model, promptFor(`short ${mode} r${round}`, i), opts.shortTokens)));
    // 20–69 ms, varied so that arrivals do not lock onto the long streams' rhythm.
    await sleep(20 + ((i * 37) % 50));
  }
  longsOn = false;
  const longs = await longsDone;
  const cpu = close();
  return { mode, shorts, longs, busy: (await busyRefusals(b, model)) - busyBefore, cpu };
}

function brief(r: TtftRun): string {
  const t = r.shorts.filter((o) => !o.error).map(ttftMs);
  return (
    `${r.mode.padEnd(12)} ${String(r.shorts.length).padStart(4)} shorts  TTFT p50 ${f1(percentileOf(t, 0.5)).padStart(6)} ms  p99 ${f1(percentileOf(t, 0.99)).padStart(6)} ms` +
    `  ${r.longs.length} longs  ${r.busy} busy refusals  other ${f1(r.cpu.elsewhereCores)} cores`
  );
}

export async function ttftSection(b: ScaleBench): Promise<void> {
  const { opts } = b;
  const w = opts.ttftWorkers;
  console.log(
    `\n2. short beside long: TTFT of max_tokens=${opts.shortTokens} requests (one at a time, 20–69 ms apart) while ${w - 1} closed-loop ` +
      `max_tokens=${opts.longTokens} stream${w > 2 ? "s keep" : " keeps"} ${w - 1} of ${w} workers (1 slot each) busy; ${opts.ttftSeconds} s per run; ` +
      `two gateway processes on the same workers, SY_DISPATCH=least-loaded and =queue-group`,
  );
  const runs = await interleavedRounds(b, "ttft", alternating(MODES), (mode, i) => runOnce(b, mode, i), brief);
  report(b, runs);
}

function report(b: ScaleBench, runs: TtftRun[]): void {
  const { opts } = b;
  const pooled = (mode: Dispatch) => runs.filter((r) => r.mode === mode);
  const stats = MODES.map((mode) => {
    const shorts = pooled(mode).flatMap((r) => r.shorts);
    const t = shorts.filter((o) => !o.error).map(ttftMs);
    const byWorker = new Map<string, number>();
    for (const o of shorts) if (o.worker) byWorker.set(o.worker, (byWorker.get(o.worker) ?? 0) + 1);
    return { mode, n: t.length, p50: percentileOf(t, 0.5), p99: percentileOf(t, 0.99), max: Math.max(...t), busy: pooled(mode).reduce((s, r) => s + r.busy, 0), byWorker };
  });
  console.log("\n  dispatch       shorts   TTFT p50 ms   p99 ms   max ms   busy refusals   shorts per worker");
  for (const s of stats) {
    const share = [...s.byWorker.entries()]
      .sort()
      .map(([worker, n]) => `${worker} ${n}`)
      .join(", ");
    console.log(`  ${s.mode.padEnd(13)} ${String(s.n).padStart(6)}   ${f1(s.p50).padStart(11)}   ${f1(s.p99).padStart(6)}   ${f1(s.max).padStart(6)}   ${String(s.busy).padStart(13)}   ${share}`);
  }
  for (const mode of MODES) {
    checkStreams(b, pooled(mode).flatMap((r) => r.shorts), opts.shortTokens, `${mode} shorts`);
    checkStreams(b, pooled(mode).flatMap((r) => r.longs), opts.longTokens, `${mode} longs`);
  }
  const [ll, qg] = stats as [(typeof stats)[0], (typeof stats)[0]];
  const ratio = ll.p99 / qg.p99;
  if (ll.n < 100 || qg.n < 100) console.log(`  (p99 of ${Math.min(ll.n, qg.n)} samples is close to the maximum: run longer with --ttft-seconds or --rounds)`);
  b.verdicts.add({
    section: "ttft",
    measured: `short-request TTFT p99: least-loaded ${f1(ll.p99)} ms vs queue-group ${f1(qg.p99)} ms = ${f3(ratio)} ×`,
    goal: "≤ 0.2 × queue-group's",
    met: ratio <= 0.2,
  });
  console.log(`  (p50: least-loaded ${f1(ll.p50)} ms, queue-group ${f1(qg.p50)} ms; ${f0(qg.busy)} worker_busy answers sent queue-group requests back for a retry)`);
  console.log(`  during the measured runs ${describeElsewhere(poolWindows(runs.map((r) => r.cpu)))}`);
}
