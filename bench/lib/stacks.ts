/**
 * @module The gateway setups under test, each built from the project's real code: a gateway with
 * its gpu-node as a separate process over a real nats-server; the embedded stack over NATS; the
 * embedded stack over the in-process bus (what `npm start` runs).
 */
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Gateway } from "../../edge/src/gateway.ts";
import { spawnWorker, startEmbeddedReady, startNatsGateway, waitForRegistry } from "./stack-parts.ts";

export interface StackSettings {
  modelsDir: string;
  dataDir: string;
  threads: number;
  contextSize: number;
  gpu: string;
  /** For the worker process only: extra node flags, e.g. --cpu-prof. */
  workerNodeArgs: string[];
  /** The gpu-nodes' SY_TOKEN_COALESCE_MS; undefined leaves it unset (the worker's default). */
  tokenCoalesceMs: number | undefined;
}

export interface RunningStack {
  url: string;
  /** The gpu-node's own process, when it has one. */
  workerPid?: number;
  stop(): Promise<void>;
}

let stacks = 0;

/** Worker env shared by every setup. One slot, so the worker's context matches the direct one. */
function workerEnv(s: StackSettings, natsUrl: string | undefined): Record<string, string> {
  stacks += 1;
  return {
    PORT: "0",
    SWITCHYARD_DATA_DIR: s.dataDir,
    MODELS_DIR: s.modelsDir,
    LLAMA_THREADS: String(s.threads),
    LLAMA_SLOTS: "1",
    LLAMA_CONTEXT_SIZE: String(s.contextSize),
    LLAMA_GPU: s.gpu,
    // Each stack gets its own subjects and bucket: two gpu-nodes on one nats-server would
    // otherwise share a queue group and take each other's requests.
    SY_SUBJECT_PREFIX: `bench${stacks}${Math.random().toString(36).slice(2, 6)}`,
    ...(natsUrl ? { NATS_URL: natsUrl } : {}),
    ...(s.tokenCoalesceMs !== undefined ? { SY_TOKEN_COALESCE_MS: String(s.tokenCoalesceMs) } : {}),
  };
}

const waitForModel = (gateway: Gateway, model: string, timeoutMs: number) =>
  waitForRegistry(gateway, `worker announced model ${model}`, (g) => g.registry.model(model) !== undefined, timeoutMs);

/** `npm start`'s embedded stack in this process; over NATS when natsUrl is given. */
export async function startEmbeddedStack(s: StackSettings, model: string, natsUrl?: string): Promise<RunningStack> {
  const env = workerEnv(s, natsUrl);
  const stack = await startEmbeddedReady(env, (gateway) => waitForModel(gateway, model, 15_000));
  return { url: stack.url, stop: () => stack.stop() };
}

/**
 * The distributed layout: `workers/gpu-node/src/main.ts` as its own Node process, and a
 * gateway (NatsBus + createGateway + serveNode, what main-node.ts assembles) in this one.
 */
export async function startWorkerProcessStack(s: StackSettings, model: string, natsUrl: string): Promise<RunningStack> {
  const env = workerEnv(s, natsUrl);
  // The in-process workers see only workerEnv, so an SY_TOKEN_COALESCE_MS in this shell must not
  // reach this one either: every variant runs with the same window (set it with --coalesce-ms).
  const { SY_TOKEN_COALESCE_MS: _inherited, ...inherited } = process.env;
  const child = spawnWorker("gpu-node", s.workerNodeArgs, ["workers/gpu-node/src/main.ts"], { ...inherited, ...env });
  const gw = await startNatsGateway({
    env,
    natsUrl,
    busName: "bench-gateway",
    child,
    workerUp: () => waitForLine(child, "serving ", 30_000),
    ready: (gateway) => waitForModel(gateway, model, 15_000),
  });
  return { url: gw.url, workerPid: child.pid, stop: gw.stop };
}

/** Resolves when the child prints a line containing `marker`; its other output is dropped. */
export async function waitForLine(child: ChildProcess, marker: string, timeoutMs: number): Promise<void> {
  if (!child.stdout) throw new Error("worker process has no stdout");
  const lines = createInterface({ input: child.stdout });
  const timer = setTimeout(() => lines.close(), timeoutMs);
  const onExit = () => lines.close();
  child.once("exit", onExit);
  try {
    for await (const line of lines) if (line.includes(marker)) return;
    throw new Error(`worker process did not print "${marker}" (exit ${child.exitCode ?? "none"})`);
  } finally {
    clearTimeout(timer);
    child.off("exit", onExit);
    // Keep draining stdout so a chatty worker never blocks on a full pipe.
    child.stdout.resume();
  }
}
