/**
 * @module The gateway setups under test, each built from the project's real code: a gateway with
 * its gpu-node as a separate process over a real nats-server; the embedded stack over NATS; the
 * embedded stack over the in-process bus (what `npm start` runs).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { NatsBus } from "@switchyard/shared/bus/nats-bus";
import { silentLogger } from "@switchyard/shared/log";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { startEmbedded } from "../../edge/src/embedded.ts";
import { openStore } from "../../edge/src/store/open-store.ts";
import { createGateway, type Gateway } from "../../edge/src/gateway.ts";
import { serveNode } from "../../edge/src/serve-node.ts";
import { stopChild } from "../../tests/helpers/nats-server.ts";

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

/** The worker process runs from the repository root, so its entry point is given relative to it. */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

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

async function waitForModel(gateway: Gateway, model: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  await gateway.registry.synced();
  while (!gateway.registry.model(model)) {
    if (Date.now() > until) throw new Error(`no worker announced model ${model} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `npm start`'s embedded stack in this process; over NATS when natsUrl is given. */
export async function startEmbeddedStack(s: StackSettings, model: string, natsUrl?: string): Promise<RunningStack> {
  const env = workerEnv(s, natsUrl);
  const stack = await startEmbedded(gatewayConfigFromEnv(env), env, silentLogger);
  try {
    await waitForModel(stack.gateway, model, 15_000);
  } catch (err) {
    await stack.stop();
    throw err;
  }
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
  // Node itself, not the tsx CLI: tsx would put a second process between us and the worker.
  const child = spawn(process.execPath, [...s.workerNodeArgs, "--import", "tsx", "workers/gpu-node/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.on("error", (err) => console.error(`gpu-node process: ${err.message}`));
  const config = gatewayConfigFromEnv(env);
  const bus = NatsBus.start({ servers: natsUrl, name: "bench-gateway" });
  const store = await openStore({ pgliteDir: "memory" });
  const gateway = createGateway({ config, bus, store, secret: "bench-secret-0123456789", log: silentLogger });
  const stop = async () => {
    await gateway.stop();
    await stopChild(child);
    await store.close();
    await bus.close();
  };
  try {
    await waitForLine(child, "serving ", 30_000);
    const server = await serveNode(gateway.app, config.host, config.port);
    await waitForModel(gateway, model, 15_000);
    return {
      url: server.url,
      workerPid: child.pid,
      stop: async () => {
        await server.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves when the child prints a line containing `marker`; its other output is dropped. */
async function waitForLine(child: ChildProcess, marker: string, timeoutMs: number): Promise<void> {
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
