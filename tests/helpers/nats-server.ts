/**
 * @module Runs a real nats-server for tests: free ports, JetStream in a temp folder, and a
 * WebSocket listener (what Workers use). Needs `nats-server` on the PATH (v2.9+).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

export interface NatsServer {
  url: string;
  port: number;
  wsUrl: string;
  /** Stops the server and starts it again on the same ports and JetStream folder. */
  restart(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** `config`: extra nats.conf lines (e.g. an authorization block). */
export async function startNatsServer(opts: { port?: number; config?: string[] } = {}): Promise<NatsServer> {
  const port = opts.port ?? (await freePort());
  const wsPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sy-nats-"));
  const conf = join(dir, "nats.conf");
  await writeFile(
    conf,
    [
      `listen: "127.0.0.1:${port}"`,
      `jetstream { store_dir: "${join(dir, "js")}", max_memory_store: 64MB, max_file_store: 256MB }`,
      `websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }`,
      ...(opts.config ?? []),
    ].join("\n"),
  );
  const bin = process.env.NATS_SERVER_BIN ?? "nats-server";
  const launch = async () => {
    const child = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    await waitForPort(port, child, () => stderr);
    return child;
  };
  let child = await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    async restart({ downMs = 0 } = {}) {
      await stopChild(child);
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch();
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${stderr()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`nats-server did not listen on ${port}: ${stderr()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
