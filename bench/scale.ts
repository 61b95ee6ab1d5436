/**
 * @module `npm run bench:scale`: how the local pool scales and dispatches. One generated tiny
 * model; gpu-node worker processes and gateway processes (least-loaded and queue-group) on one
 * nats-server. Sections: (1) aggregate tok/s of 1..N workers against linear, (2) TTFT of short
 * requests beside long ones, least-loaded vs queue-group, (3) the chosen-worker path's cost per
 * request, (4) one many-slot worker against llama.cpp's own llama-server. Every ratio is taken
 * against a baseline measured in the same run, with rounds interleaved, because this machine's
 * speed drifts; each is printed with its goal.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { startNatsServer } from "../tests/helpers/nats-server.ts";
import type { ChildService } from "./lib/child-service.ts";
import { type Cleanups, runBench } from "./lib/cleanups.ts";
import { childPidsNamed, cpuAccountingAvailable } from "./lib/cpu.ts";
import { describeElsewhere, openCpuWindow, poolWindows } from "./lib/cpu-window.ts";
import { loadEverywhere, type ScaleBench } from "./lib/scale-bench.ts";
import { parseScaleOptions, SCALE_USAGE, type ScaleOptions, type Section } from "./lib/scale-options.ts";
import { overheadSection } from "./lib/scale-overhead.ts";
import { logTail } from "./lib/proxy-setup.ts";
import { Verdicts } from "./lib/scale-report.ts";
import { serverSection } from "./lib/scale-server.ts";
import { checkSlots } from "./lib/scale-slots.ts";
import { type Dispatch, poolModel, poolWorkerId, startGatewayProcess, startGpuNodeProcess, waitForWorkers, type WorkerProcess, writePoolModels } from "./lib/scale-stack.ts";
import { scaleSection } from "./lib/scale-throughput.ts";
import { ttftSection } from "./lib/scale-ttft.ts";

function printHeader(opts: ScaleOptions, cores: number): void {
  console.log(`bench:scale  node ${process.version}, ${cores} CPUs (${cpus()[0]?.model.trim() ?? "?"}), load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(
    `  sections ${opts.sections.join(", ")}; ${opts.warmup} warm-up + ${opts.rounds} measured rounds each, interleaved; ` +
      `${opts.threads} llama.cpp thread${opts.threads > 1 ? "s" : ""} per worker, context ${opts.contextSize} per slot, temperature ${opts.temperature}, seed ${opts.seed}`,
  );
  // Each gpu-node needs a core for llama.cpp and most of another for its JavaScript (two
  // thread-pool hops per token), and the gateway, nats-server and this client share the rest.
  console.log(
    `  what ${cores} cores allow: ${opts.workers} workers × ${opts.threads} thread${opts.threads > 1 ? "s" : ""}, plus each worker's JS thread, ` +
      `the gateway, nats-server and this client, all on ${cores} cores: ${opts.workers * opts.threads >= cores ? `${opts.workers} workers cannot scale linearly here; ` : ""}` +
      "section 1 measures how many cores one worker's load takes and reads its goal against what the cores can carry",
  );
}

/** Starts both gateways and the pool workers at once (each takes seconds on a small machine). */
async function startProcesses(b: ScaleBench, poolDirs: string[], modes: Dispatch[]): Promise<void> {
  const gateways = modes.map((mode) => startGatewayProcess(b.wiring, mode, join(b.tmp, `gateway-${mode}.log`)));
  const workers = poolDirs.map((dir, i) =>
    startGpuNodeProcess(b.wiring, { id: poolWorkerId(i + 1), modelsDir: dir, threads: b.opts.threads, slots: 1, contextSize: b.opts.contextSize }),
  );
  const settled = await Promise.allSettled<ChildService | WorkerProcess>([...gateways, ...workers]);
  settled.forEach((s, i) => {
    if (s.status !== "fulfilled") return;
    const name = i < modes.length ? modes[i]! : "pool";
    b.cleanups.add(`${name} ${s.value.pid}`, () => s.value.stop());
  });
  for (const s of settled) if (s.status === "rejected") throw s.reason;
  settled.forEach((s, i) => {
    if (s.status !== "fulfilled") return;
    if (i < modes.length) {
      b.gateways[modes[i]!] = s.value as ChildService;
      b.watched.push({ name: "gateway", pid: s.value.pid });
    } else {
      b.workers.push(s.value as WorkerProcess);
      b.watched.push({ name: "gpu-node", pid: s.value.pid });
    }
  });
  for (const gw of Object.values(b.gateways)) {
    const ids = poolDirs.map((_, i) => poolWorkerId(i + 1));
    await waitForWorkers(gw.url, b.wiring.adminToken, ids.join(", "), (ws) => ids.every((id) => ws.some((w) => w.id === id)));
  }
}

async function main(cleanups: Cleanups): Promise<number> {
  const parsed = parseScaleOptions(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(SCALE_USAGE);
    return 0;
  }
  const opts = parsed;
  const started = performance.now();
  const cores = availableParallelism();
  printHeader(opts, cores);
  if (!cpuAccountingAvailable()) console.log("  (no /proc schedstat here: no CPU accounting)");
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-scale-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  const gguf = await writeTinyLlamaGguf(join(tmp, "demo.gguf"), { seed: 42, contextLength: Math.max(2048, opts.contextSize) });
  const nats = await startNatsServer().catch((err: Error) => {
    throw new Error(`cannot start nats-server (set NATS_SERVER_BIN, or apt-get install nats-server): ${err.message}`);
  });
  cleanups.add("nats-server", () => nats.stop());
  const b: ScaleBench = {
    opts,
    cores,
    tmp,
    gguf,
    wiring: { natsUrl: nats.url, prefix: `benchscale${randomBytes(3).toString("hex")}`, adminToken: randomBytes(16).toString("hex") },
    cleanups,
    gateways: {},
    watched: [{ name: "bench", pid: process.pid }, ...childPidsNamed(process.pid, "nats-server").map((pid) => ({ name: "nats-server", pid }))],
    workers: [],
    verdicts: new Verdicts(),
    problems: [],
    windows: new Map(),
  };
  const has = (s: Section) => opts.sections.includes(s);
  const poolCount = has("scale") ? opts.workers : has("ttft") || has("overhead") ? opts.ttftWorkers : 0;
  const poolDirs = await writePoolModels(join(tmp, "models"), poolCount, gguf);
  await startProcesses(b, poolDirs, has("ttft") || has("overhead") ? ["least-loaded", "queue-group"] : ["least-loaded"]);
  // gpu-node loads a model on its first request: load every model on every worker that serves it.
  const models = has("scale") ? poolDirs.map((_, i) => i + 1) : poolCount > 0 ? [poolCount] : [];
  for (const n of models) await loadEverywhere(b, poolModel(n), poolDirs.slice(0, n).map((_, i) => poolWorkerId(i + 1)));
  console.log(
    `  nats ${nats.url}; gateways ${Object.entries(b.gateways)
      .map(([mode, gw]) => `${mode} ${gw.url} (pid ${gw.pid})`)
      .join(", ")}; ${b.workers.length} pool workers; ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const whole = openCpuWindow(b.watched);
  try {
    if (has("scale")) await scaleSection(b);
    if (has("ttft")) await ttftSection(b);
    if (has("overhead")) await overheadSection(b);
    if (has("server")) await serverSection(b);
  } catch (err) {
    // The temp folder (and the gateways' logs in it) goes away with the teardown.
    for (const mode of Object.keys(b.gateways)) console.error(await logTail(join(tmp, `gateway-${mode}.log`)));
    throw err;
  }
  const wholeRun = whole();
  if (b.workers.length > 0) await checkSlots(b);

  b.verdicts.printSummary();
  console.log("\nCPU used by other processes (not this bench's) during the measured runs:");
  for (const [section, windows] of b.windows) console.log(`  ${section.padEnd(9)} ${describeElsewhere(poolWindows(windows))}`);
  // /proc/stat counts in 10 ms ticks: a window of a few ticks says nothing.
  if (wholeRun.wallMs >= 1000) console.log(`  all       ${describeElsewhere(wholeRun)} (whole measured part, ${(wholeRun.wallMs / 1000).toFixed(0)} s; this bench's processes used ${wholeRun.ownCores.toFixed(2)})`);
  for (const p of b.problems) console.log(`PROBLEM: ${p}`);
  if (b.problems.length > 0) for (const mode of Object.keys(b.gateways)) console.log(await logTail(join(tmp, `gateway-${mode}.log`)));
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return b.problems.length > 0 ? 1 : 0;
}

await runBench(main);
