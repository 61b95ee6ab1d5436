/** @module Runs gpu-node as its own process (like an operator would) and waits until it serves. */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface WorkerProcess {
  child: ChildProcess;
  workerId: string;
  output(): string;
}

export interface GpuNodeOptions {
  natsUrl: string;
  modelsDir: string;
  workerId: string;
  slots?: number;
  /** Serve /metrics on this port. */
  metricsPort?: number;
  env?: Record<string, string>;
}

export async function spawnGpuNode(opts: GpuNodeOptions): Promise<WorkerProcess> {
  const args = ["--models", opts.modelsDir, "--worker-id", opts.workerId, "--threads", "1", "--gpu", "false"];
  if (opts.slots !== undefined) args.push("--slots", String(opts.slots));
  if (opts.metricsPort !== undefined) args.push("--metrics-port", String(opts.metricsPort));
  // node with tsx's loader rather than the tsx CLI: one process, so a SIGKILL really kills the worker.
  const child = spawn(process.execPath, ["--import", "tsx", "workers/gpu-node/src/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: opts.natsUrl, SY_HEARTBEAT_MS: "250", SY_STATUS_INTERVAL_MS: "500", SY_STATUS_TTL_MS: "2000", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return waitForServing(child, opts.workerId, "gpu-node");
}

async function waitForServing(child: ChildProcess, workerId: string, what: string): Promise<WorkerProcess> {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const until = Date.now() + 30_000;
  while (!out.includes("serving ")) {
    if (child.exitCode !== null) throw new Error(`${what} exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`${what} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, workerId, output: () => out };
}

export async function spawnTtsNode(opts: { natsUrl: string; voicesDir: string; workerId: string; metricsPort?: number; env?: Record<string, string> }): Promise<WorkerProcess> {
  const args = ["--voices", opts.voicesDir, "--worker-id", opts.workerId];
  if (opts.metricsPort !== undefined) args.push("--metrics-port", String(opts.metricsPort));
  const child = spawn(process.execPath, ["--import", "tsx", "workers/tts-node/src/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: opts.natsUrl, SY_HEARTBEAT_MS: "250", SY_STATUS_INTERVAL_MS: "500", SY_STATUS_TTL_MS: "2000", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return waitForServing(child, opts.workerId, "tts-node");
}
