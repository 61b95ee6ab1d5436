/**
 * @module The speech setups under test, built from the project's real code: the embedded stack
 * on the in-process bus (what `npm start` runs: gateway, gpu-node and tts-node in this process),
 * and a gateway in this process with the tts-node as its own process over a real nats-server.
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Bus } from "@switchyard/shared/bus/bus";
import type { OfflineTts } from "sherpa-onnx-node";
import type { Gateway } from "../../edge/src/gateway.ts";
import { inheritedEnv } from "./inherited-env.ts";
import { spawnWorker, startEmbeddedReady, startNatsGateway, waitForRegistry } from "./stack-parts.ts";
import { WORKER_TRACE_ENV, WORKER_TRACE_PREFIX, type WorkerReport } from "./tts-trace.ts";

export interface TtsStack {
  url: string;
  gateway: Gateway;
  /** The gateway's bus; the tts-node's too when `engines` is not empty (same process). */
  bus: Bus;
  /** The tts-node's engines when it runs in this process. */
  engines: OfflineTts[];
  /** The tts-node's own process, when it has one. */
  workerPid?: number;
  /**
   * With `workerProbe`: forgets reports not taken yet, then (after a request) waits up to
   * timeoutMs for the tts-node process's report of its side of the request.
   */
  workerReports?: { clear(): void; next(timeoutMs: number): Promise<WorkerReport | undefined> };
  stop(): Promise<void>;
}

export interface TtsStackSettings {
  /** Folder of voice folders (the demo voice is its only one). */
  voicesDir: string;
  /** Where the embedded stack keeps its store and generated demo model. */
  dataDir: string;
  /** TTS_THREADS for the tts-nodes: sherpa-onnx numThreads, as the baseline's. */
  threads: number;
  /** Extra node flags for the tts-node process, e.g. --cpu-prof. */
  workerNodeArgs: string[];
  /** Loads bench/lib/tts-worker-probe.ts into the tts-node process to report its side of each request (--trace). */
  workerProbe: boolean;
}

const PROBE = fileURLToPath(new URL("./tts-worker-probe.ts", import.meta.url));

let stacks = 0;

/** Each stack gets its own subjects and bucket, so the two never take each other's requests. */
function stackEnv(s: TtsStackSettings, natsUrl: string | undefined): Record<string, string> {
  stacks += 1;
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    VOICES_DIR: s.voicesDir,
    TTS_THREADS: String(s.threads),
    SY_SUBJECT_PREFIX: `benchtts${stacks}${Math.random().toString(36).slice(2, 6)}`,
    ...(natsUrl ? { NATS_URL: natsUrl } : {}),
  };
}

/** Until the registry lists the voice: the gateway answers 400 for an unknown voice before that. */
const waitForVoice = (gateway: Gateway, voice: string, timeoutMs: number) =>
  waitForRegistry(gateway, `tts-node announced voice ${voice}`, (g) => g.registry.models("tts").some((m) => m.id === voice), timeoutMs);

/** `npm start`'s embedded stack in this process, on the in-process bus. */
export async function startTtsEmbeddedStack(s: TtsStackSettings, voice: string): Promise<TtsStack> {
  const env = {
    ...stackEnv(s, undefined),
    SWITCHYARD_DATA_DIR: s.dataDir,
    // The gpu-node startEmbedded also starts, on its generated demo model: kept small and idle.
    LLAMA_THREADS: "1",
    LLAMA_SLOTS: "1",
    LLAMA_CONTEXT_SIZE: "512",
    LLAMA_GPU: "false",
  };
  const stack = await startEmbeddedReady(env, (gateway) => waitForVoice(gateway, voice, 15_000));
  return { url: stack.url, gateway: stack.gateway, bus: stack.bus, engines: [...stack.ttsNode.voices.values()].map((v) => v.tts), stop: () => stack.stop() };
}

/**
 * The distributed layout: `workers/tts-node/src/main.ts` as its own Node process, and a gateway
 * (NatsBus + createGateway + serveNode, what main-node.ts assembles, store in memory) in this one.
 */
export async function startTtsNatsStack(s: TtsStackSettings, voice: string, natsUrl: string): Promise<TtsStack> {
  const env = stackEnv(s, natsUrl);
  const probe = s.workerProbe ? ["--import", PROBE] : [];
  const probeEnv = { [WORKER_TRACE_ENV]: s.workerProbe ? "1" : "0" };
  const child = spawnWorker("tts-node", s.workerNodeArgs, [...probe, "workers/tts-node/src/main.ts", "--voices", s.voicesDir], {
    ...inheritedEnv(),
    ...env,
    ...probeEnv,
  });
  const output = readLines(child);
  const gw = await startNatsGateway({
    env,
    natsUrl,
    busName: "bench-tts-gateway",
    child,
    workerUp: () => output.waitFor("serving ", 30_000),
    ready: (gateway) => waitForVoice(gateway, voice, 15_000),
  });
  return {
    ...gw,
    engines: [],
    workerPid: child.pid,
    ...(s.workerProbe ? { workerReports: output.reports } : {}),
  };
}

/**
 * Reads the child's stdout for its whole life (so a chatty worker never blocks on a full pipe):
 * waits for a line containing a marker, and collects the probe's report lines.
 */
function readLines(child: ChildProcess) {
  if (!child.stdout) throw new Error("tts-node process has no stdout");
  const lines = createInterface({ input: child.stdout });
  const seen: string[] = [];
  let reports: WorkerReport[] = [];
  let onReport: (() => void) | undefined;
  let onLine: ((line: string) => void) | undefined;
  lines.on("line", (line) => {
    if (line.startsWith(WORKER_TRACE_PREFIX)) {
      reports.push(JSON.parse(line.slice(WORKER_TRACE_PREFIX.length)) as WorkerReport);
      onReport?.();
      return;
    }
    seen.push(line);
    if (seen.length > 20) seen.shift();
    onLine?.(line);
  });
  return {
    /** Resolves when the child prints a line containing `marker`. */
    waitFor(marker: string, timeoutMs: number): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          clearTimeout(timer);
          child.off("exit", onExit);
          onLine = undefined;
          if (err) reject(err);
          else resolve();
        };
        const fail = (why: string) => done(new Error(`tts-node process ${why} before it printed "${marker}":\n  ${seen.slice(-10).join("\n  ")}`));
        const timer = setTimeout(() => fail(`took over ${timeoutMs} ms`), timeoutMs);
        const onExit = () => fail(`exited (${child.exitCode ?? child.signalCode})`);
        child.once("exit", onExit);
        onLine = (line) => {
          if (line.includes(marker)) done();
        };
      });
    },
    reports: {
      clear(): void {
        reports = [];
      },
      async next(timeoutMs: number): Promise<WorkerReport | undefined> {
        if (reports.length === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            onReport = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          onReport = undefined;
        }
        return reports.shift();
      },
    },
  };
}
