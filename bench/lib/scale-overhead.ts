/**
 * @module `bench:scale` section 3: what choosing the worker costs per request. One connection
 * sends max_tokens=1 streams back to back (autocannon, load.ts) to idle workers, through the
 * least-loaded gateway (registry lookup, pick, the worker's own subject) and through the
 * queue-group one (NATS picks); both reach the same workers, so the median latency
 * difference is the dispatch path's own cost. Runs alternate which mode goes first.
 */
import { type CpuWindow, describeElsewhere, openCpuWindow, poolWindows } from "./cpu-window.ts";
import { type LoadResult, latencyAt, poolRuns, runLoad } from "./load.ts";
import { alternating, gatewayUrl, interleavedRounds, type ScaleBench, spec } from "./scale-bench.ts";
import { chatBody, promptFor } from "./scale-client.ts";
import { f2, f3 } from "./scale-report.ts";
import { type Dispatch, poolModel } from "./scale-stack.ts";
import { summarize } from "./stats.ts";

const MODES: readonly Dispatch[] = ["least-loaded", "queue-group"];
const GOAL_MS = 0.3;

interface OverheadRun {
  mode: Dispatch;
  round: number;
  load: LoadResult;
  cpu: CpuWindow;
}

async function runOnce(b: ScaleBench, mode: Dispatch, round: number): Promise<OverheadRun> {
  const model = poolModel(b.opts.ttftWorkers);
  const close = openCpuWindow(b.watched);
  const load = await runLoad({
    url: `${gatewayUrl(b, mode)}/v1/chat/completions`,
    body: chatBody(spec(b, model, promptFor("overhead", 0), 1)),
    connections: 1,
    duration: b.opts.overheadSeconds,
    verifyBody: (body) => body.includes("data: [DONE]"),
  });
  return { mode, round, load, cpu: close() };
}

const brief = (r: OverheadRun) =>
  `${r.mode.padEnd(12)} ${String(r.load.responses).padStart(5)} requests  p50 ${f3(latencyAt(r.load, 0.5))} ms  p99 ${f2(latencyAt(r.load, 0.99))} ms` +
  `${r.load.non2xx + r.load.errors + r.load.mismatches > 0 ? `  (${r.load.non2xx} non-2xx, ${r.load.errors} errors, ${r.load.mismatches} bad bodies)` : ""}`;

export async function overheadSection(b: ScaleBench): Promise<void> {
  const { opts } = b;
  console.log(
    `\n3. dispatch overhead: one connection, max_tokens=1 streams back to back to ${opts.ttftWorkers} idle workers, ` +
      `${opts.overheadSeconds} s per run, least-loaded vs queue-group gateway`,
  );
  const runs = await interleavedRounds(b, "overhead", alternating(MODES), (mode, i) => runOnce(b, mode, i), brief);
  const of = (mode: Dispatch) => runs.filter((r) => r.mode === mode);
  const [ll, qg] = MODES.map((mode) => poolRuns(of(mode).map((r) => r.load))) as [LoadResult, LoadResult];
  // Differences within a round cancel most of the machine's drift between rounds.
  const paired = summarize(
    of("least-loaded").flatMap((r) => {
      const other = of("queue-group").find((x) => x.round === r.round);
      return other ? [latencyAt(r.load, 0.5) - latencyAt(other.load, 0.5)] : [];
    }),
  ).p50;
  const pooledDiff = latencyAt(ll, 0.5) - latencyAt(qg, 0.5);
  console.log(`\n  least-loaded: ${ll.responses} requests, p50 ${f3(latencyAt(ll, 0.5))} ms; queue-group: ${qg.responses} requests, p50 ${f3(latencyAt(qg, 0.5))} ms`);
  for (const [name, r] of [
    ["least-loaded", ll],
    ["queue-group", qg],
  ] as const) {
    const bad = r.non2xx + r.errors + r.mismatches;
    if (bad > 0) {
      console.warn(`  WARNING: ${name}: ${bad} of ${r.responses} responses were not complete streams`);
      b.problems.push(`overhead ${name}: ${bad} bad responses`);
    }
  }
  b.verdicts.add({
    section: "overhead",
    measured: `chosen-worker path − queue-group path, median request latency: ${f3(paired)} ms per request (paired by round; pooled ${f3(pooledDiff)} ms)`,
    goal: `≤ ${GOAL_MS} ms`,
    met: paired <= GOAL_MS,
  });
  console.log(`  during the measured runs ${describeElsewhere(poolWindows(runs.map((r) => r.cpu)))}`);
}
