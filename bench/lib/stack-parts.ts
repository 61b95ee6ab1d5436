/**
 * @module What the LLM and speech benches' stacks (stacks.ts, tts-stacks.ts) are both built
 * from: `npm start`'s embedded stack, a worker as its own Node process, and a gateway in this
 * process as main-node.ts assembles it, each ready once the gateway's registry lists what the
 * bench asks for.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { NatsBus } from "@switchyard/shared/bus/nats-bus";
import { startNatsBus } from "@switchyard/shared/bus/nats-node";
import { silentLogger } from "@switchyard/shared/log";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { type EmbeddedStack, startEmbedded } from "../../edge/src/embedded.ts";
import { createGateway, type Gateway } from "../../edge/src/gateway.ts";
import { serveNode } from "../../edge/src/serve-node.ts";
import { openStore } from "../../edge/src/store/open-store.ts";
import { stopChild } from "../../tests/helpers/nats-server.ts";

/** The worker process runs from the repository root, so its entry point is given relative to it. */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Until `has(gateway)`, polling after the registry's first sync; else throws "no <what> within ...". */
export async function waitForRegistry(gateway: Gateway, what: string, has: (gateway: Gateway) => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  await gateway.registry.synced();
  while (!has(gateway)) {
    if (Date.now() > until) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `npm start`'s embedded stack in this process, once `ready` resolves; stopped if it throws. */
export async function startEmbeddedReady(env: Record<string, string>, ready: (gateway: Gateway) => Promise<void>): Promise<EmbeddedStack> {
  const stack = await startEmbedded(gatewayConfigFromEnv(env), env, silentLogger);
  try {
    await ready(stack.gateway);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/**
 * A worker as its own process: Node itself, not the tsx CLI (tsx would put a second process
 * between us and the worker), from the repository root, its stdout piped to this process.
 */
export function spawnWorker(name: string, nodeArgs: string[], args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  child.on("error", (err) => console.error(`${name} process: ${err.message}`));
  return child;
}

export interface NatsGateway {
  url: string;
  gateway: Gateway;
  bus: NatsBus;
  /** Stops the gateway, then the worker process. */
  stop(): Promise<void>;
}

/**
 * A gateway (NatsBus + createGateway + serveNode, what main-node.ts assembles, store in memory)
 * in this process for `child`, a worker on the same nats-server: it serves once `workerUp`
 * resolves and is returned once `ready` does. If either throws, the gateway and the child are stopped.
 */
export async function startNatsGateway(o: {
  env: Record<string, string>;
  natsUrl: string;
  busName: string;
  child: ChildProcess;
  workerUp: () => Promise<void>;
  ready: (gateway: Gateway) => Promise<void>;
}): Promise<NatsGateway> {
  const config = gatewayConfigFromEnv(o.env);
  const bus = startNatsBus({ servers: o.natsUrl, name: o.busName });
  const store = await openStore({ pgliteDir: "memory" });
  const gateway = createGateway({ config, bus, store, secret: "bench-secret-0123456789", log: silentLogger });
  const stop = async () => {
    await gateway.stop();
    await stopChild(o.child);
    await store.close();
    await bus.close();
  };
  try {
    await o.workerUp();
    const server = await serveNode(gateway.app, config.host, config.port);
    await o.ready(gateway);
    return {
      url: server.url,
      gateway,
      bus,
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
