/**
 * @module `npm run bench:tts`: what the gateway adds to speech. The generated demo voice, two
 * texts (one sentence, several); sherpa-onnx called in this process versus the same synthesis
 * streamed as raw PCM through the real gateway, over the in-process bus (`npm start`'s embedded
 * stack) and over a real nats-server to a tts-node process. Time to the first audio byte and
 * real-time factor; runs are interleaved round by round after a warm-up, because this machine's
 * speed drifts.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { writeDemoVoice } from "@switchyard/tts-node/demo-voice/write-demo-voice";
import sherpa from "sherpa-onnx-node";
import { startNatsServer } from "../tests/helpers/nats-server.ts";
import { type Cleanups, runBench } from "./lib/cleanups.ts";
import { type CpuSnapshot, childPidsNamed, cpuAccountingAvailable, diff, ownCpuNs, snapshot, type WatchedProcess } from "./lib/cpu.ts";
import { PROFILE_INTERVAL_US, type ProfileWindow, type StopProfiling, startProfiling, WINDOW_FILE } from "./lib/profiling.ts";
import { runHealth, runSpeech } from "./lib/tts-client.ts";
import { TtsDirectRunner } from "./lib/tts-direct.ts";
import { type TextName, TTS_USAGE, type TtsBenchOptions, type TtsVariant, parseTtsBenchOptions } from "./lib/tts-options.ts";
import { checkAudio, printGoal, printTtsCpu, printTtsReport, type TtsRound, type TtsRun } from "./lib/tts-report.ts";
import type { TtsRunResult } from "./lib/tts-result.ts";
import { startTtsEmbeddedStack, startTtsNatsStack, type TtsStack } from "./lib/tts-stacks.ts";
import { TEXTS } from "./lib/tts-texts.ts";
import { describeMachineLoad, machineBusyNs } from "./lib/tts-machine.ts";
import { markWorkerReport, printTrace, StageTrace, traceBus, traceGateway, traceEngine, traceHttpServer } from "./lib/tts-trace.ts";

/** The demo voice's id; the client asks for "alloy", which the gateway maps to the only live voice. */
const VOICE = "demo";

type Runner = (text: TextName) => Promise<TtsRunResult>;
/** For the trace: the HTTP floor of a gateway variant. */
type FloorProbe = () => Promise<number>;

/** The measured rounds' wall time, the whole machine's busy CPU time and the watched processes' CPU time over it. */
interface MeasuredWindow {
  wallMs: number;
  busyNs: number | undefined;
  own: CpuSnapshot;
}

const natsServerBin = (): string => process.env.NATS_SERVER_BIN ?? "nats-server";
const natsServerAvailable = (): boolean => spawnSync(natsServerBin(), ["--version"], { stdio: "ignore" }).error === undefined;

async function runRounds(
  opts: TtsBenchOptions,
  variants: TtsVariant[],
  runners: Map<TtsVariant, Runner>,
  watched: WatchedProcess[],
  trace: StageTrace | undefined,
  floors: Map<TtsVariant, FloorProbe>,
): Promise<{ rounds: TtsRound[]; measured: MeasuredWindow }> {
  const rounds: TtsRound[] = [];
  let stopProfiling: StopProfiling | undefined;
  const total = opts.warmup + opts.iterations;
  let from = { at: 0, busyNs: machineBusyNs(), own: snapshot(watched) };
  for (let i = 0; i < total; i++) {
    if (i === opts.warmup) {
      if (opts.cpuProf) stopProfiling = await startProfiling(opts.cpuProf);
      from = { at: performance.now(), busyNs: machineBusyNs(), own: snapshot(watched) };
    }
    const round: TtsRound = {};
    const line: string[] = [];
    for (const [v, probe] of floors) {
      const ms = await probe();
      if (i >= opts.warmup) trace?.addFloor(v, ms);
      await sleep(opts.settleMs);
    }
    for (const text of opts.texts) {
      const byVariant: Partial<Record<TtsVariant, TtsRun>> = {};
      // Rotating the start evens out any advantage of running right after a particular variant.
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(i + k) % variants.length]!;
        const before = snapshot(watched);
        const run: TtsRun = await runners.get(v)!(text);
        run.cpu = diff(before, snapshot(watched));
        trace?.end(i >= opts.warmup ? `${v}/${text}` : undefined);
        byVariant[v] = run;
        await sleep(opts.settleMs);
      }
      round[text] = byVariant;
      line.push(`${text}: ${variants.map((v) => `${v} ${byVariant[v]!.ttfbMs.toFixed(1)}`).join(" ")}`);
    }
    const label = i < opts.warmup ? `warm-up ${i + 1}/${opts.warmup}` : `round ${i - opts.warmup + 1}/${opts.iterations}`;
    console.log(`  ${label.padEnd(14)} first audio ms  ${line.join(" | ")}`);
    if (i >= opts.warmup) rounds.push(round);
  }
  const busyNs = machineBusyNs();
  const measured: MeasuredWindow = {
    wallMs: performance.now() - from.at,
    busyNs: busyNs === undefined || from.busyNs === undefined ? undefined : busyNs - from.busyNs,
    own: diff(from.own, snapshot(watched)),
  };
  if (stopProfiling && opts.cpuProf) {
    const requests = rounds.length * opts.texts.length * variants.length;
    await stopProfiling({ variants, tokens: requests });
    // bench/cpuprofile-top.ts reads per-"tok" figures unless told the unit.
    const file = join(opts.cpuProf, WINDOW_FILE);
    const window = JSON.parse(await readFile(file, "utf8")) as ProfileWindow;
    await writeFile(file, JSON.stringify({ ...window, unit: "req" } satisfies ProfileWindow));
  }
  return { rounds, measured };
}

async function main(cleanups: Cleanups): Promise<number> {
  const parsed = parseTtsBenchOptions(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(TTS_USAGE);
    return 0;
  }
  const opts = parsed;
  const started = performance.now();
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-tts-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  const voicesDir = join(tmp, "voices");
  const voice = await writeDemoVoice(join(voicesDir, VOICE));
  if (opts.cpuProf) await mkdir(opts.cpuProf, { recursive: true });

  let variants = opts.variants;
  if (variants.includes("nats") && !natsServerAvailable()) {
    console.warn(`WARNING: ${natsServerBin()} not found (set NATS_SERVER_BIN); skipping nats`);
    variants = variants.filter((v) => v !== "nats");
  }
  // The baseline's engine is loaded even when it is not a variant: its guard cleans the texts.
  const direct = await TtsDirectRunner.open(voice.dir, opts.threads);
  const cleaned = Object.fromEntries(opts.texts.map((t) => [t, direct.guard.clean(TEXTS[t])])) as Record<TextName, string>;
  const chars = Object.fromEntries(opts.texts.map((t) => [t, TEXTS[t].length])) as Record<TextName, number>;

  console.log(
    `bench:tts  node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? "?"}), ` +
      `sherpa-onnx ${sherpa.version} (onnxruntime ${sherpa.onnxruntimeVersion}), demo voice ${direct.sampleRate} Hz, threads ${opts.threads}`,
  );
  console.log(
    `  texts ${opts.texts.map((t) => `${t} (${chars[t]} chars)`).join(", ")}; ` +
      `${opts.warmup} warm-up + ${opts.iterations} measured rounds, each text by every variant, interleaved: ${variants.join(", ")}`,
  );
  for (const t of opts.texts) {
    if (cleaned[t] !== TEXTS[t].toLowerCase()) console.warn(`WARNING: the guard changed text "${t}" beyond case: ${JSON.stringify(cleaned[t])}`);
  }

  const watched: WatchedProcess[] = cpuAccountingAvailable() ? [{ name: "bench", pid: process.pid }] : [];
  const runners = new Map<TtsVariant, Runner>();
  const floors = new Map<TtsVariant, FloorProbe>();
  const trace = opts.trace ? new StageTrace() : undefined;
  if (trace) traceHttpServer(trace);
  const gatewayRunner = (stack: TtsStack): Runner => {
    if (trace) {
      traceGateway(stack.gateway, trace);
      traceBus(stack.bus, trace, stack.engines.length > 0);
      for (const engine of stack.engines) traceEngine(engine, trace);
    }
    const reports = trace ? stack.workerReports : undefined;
    if (!trace || !reports) return (t) => runSpeech(stack.url, TEXTS[t], trace);
    return async (t) => {
      reports.clear();
      const result = await runSpeech(stack.url, TEXTS[t], trace);
      const report = await reports.next(1_000);
      if (report) markWorkerReport(trace, report);
      return result;
    };
  };
  const settings = {
    voicesDir,
    dataDir: join(tmp, "data"),
    threads: opts.threads,
    workerProbe: opts.trace,
    workerNodeArgs: opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${join(opts.cpuProf, "tts-node")}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`] : [],
  };
  for (const v of variants) {
    if (v === "direct") {
      // The worker cleans the text before it hands it to the engine; the baseline is given it cleaned.
      runners.set(v, (t) => direct.run(cleaned[t]));
    } else if (v === "inproc") {
      const stack = await startTtsEmbeddedStack(settings, VOICE);
      cleanups.add("embedded stack", () => stack.stop());
      runners.set(v, gatewayRunner(stack));
      if (trace) floors.set(v, () => runHealth(stack.url));
    } else {
      const nats = await startNatsServer();
      cleanups.add("nats-server", () => nats.stop());
      if (watched.length > 0) for (const pid of childPidsNamed(process.pid, "nats-server")) watched.push({ name: "nats-server", pid });
      const stack = await startTtsNatsStack(settings, VOICE, nats.url);
      cleanups.add("nats stack", () => stack.stop());
      if (watched.length > 0 && stack.workerPid !== undefined) watched.push({ name: "tts-node", pid: stack.workerPid });
      runners.set(v, gatewayRunner(stack));
      if (trace) floors.set(v, () => runHealth(stack.url));
    }
  }
  console.log(`  setup ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const { rounds, measured } = await runRounds(opts, variants, runners, watched, trace, floors);
  const load = watched.length > 0 ? describeMachineLoad(measured.busyNs, ownCpuNs(measured.own), measured.wallMs) : "";
  const added = printTtsReport(rounds, opts.texts, variants, chars);
  checkAudio(rounds, opts.texts, variants);
  printTtsCpu(
    rounds,
    opts.texts,
    variants,
    watched.map((w) => w.name),
  );
  if (trace) printTrace(trace, opts.texts);
  if (load) console.log(`\n${load}; load average now ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  printGoal(added);
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (opts.cpuProf) console.log(`profiles in ${opts.cpuProf} (the tts-node's is written when it stops): npx tsx bench/cpuprofile-top.ts ${opts.cpuProf}`);
  return 0;
}

await runBench(main);
