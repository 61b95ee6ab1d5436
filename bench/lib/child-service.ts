/**
 * @module Starts a TypeScript entry point as its own Node process (`node --import tsx`, Node
 * itself so the pid is the server's) with an IPC channel, and waits for it to report
 * { type: "ready", port } (and optionally a key it made, { key }). Stopping sends SIGTERM and
 * waits, so that a --cpu-prof profile gets written, then SIGKILLs what is still there.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Entry points are given relative to the repository root, where tsx resolves from. */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ChildService {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** What the child reported as `key` with ready (the "auth on" gateway's API key). */
  key: string | undefined;
  /** Asks the child over IPC: sends { type }, resolves with its answer of the same type. */
  ask(type: string): Promise<unknown>;
  stop(): Promise<void>;
}

interface ReadyMessage {
  type: "ready";
  port: number;
  key?: string;
}

const isReady = (m: unknown): m is ReadyMessage =>
  typeof m === "object" && m !== null && (m as { type?: unknown }).type === "ready" && typeof (m as { port?: unknown }).port === "number";

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function startChildService(opts: {
  name: string;
  entry: string;
  env: Record<string, string | undefined>;
  nodeArgs?: string[];
  /** A command that execs the rest, e.g. ["taskset", "-c", "1"]; the pid stays node's. */
  wrapper?: string[];
  /** File for the child's stdout (the gateway's line log); /dev/null when not given. */
  stdoutFile?: string;
  timeoutMs?: number;
}): Promise<ChildService> {
  const out = opts.stdoutFile ? openSync(opts.stdoutFile, "w") : "ignore";
  let child: ChildProcess;
  try {
    // A built .mjs runs under plain node; TypeScript through tsx's loader.
    const loader = opts.entry.endsWith(".mjs") ? [] : ["--import", "tsx"];
    const [command, ...args] = [...(opts.wrapper ?? []), process.execPath, ...(opts.nodeArgs ?? []), ...loader, opts.entry];
    child = spawn(command!, args, {
      cwd: REPO_ROOT,
      env: opts.env,
      stdio: ["ignore", out, "inherit", "ipc"],
    });
  } finally {
    // The child has its own copy of the descriptor now.
    if (typeof out === "number") closeSync(out);
  }
  // Profiles can be tens of MB; give the child time to write one.
  const stop = () => stopChild(child, 10_000);
  try {
    const ready = await new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${opts.name} did not report ready within ${opts.timeoutMs ?? 20_000} ms`)), opts.timeoutMs ?? 20_000);
      const done = () => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        child.off("error", onError);
      };
      const onMessage = (m: unknown) => {
        if (!isReady(m)) return;
        done();
        resolve(m);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        done();
        reject(new Error(`${opts.name} exited before it was ready (${signal ?? `code ${code}`})`));
      };
      const onError = (err: Error) => {
        done();
        reject(new Error(`${opts.name}: ${err.message}`));
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.once("error", onError);
    });
    if (child.pid === undefined) throw new Error(`${opts.name} has no pid`);
    const key = typeof ready.key === "string" ? ready.key : undefined;
    const ask = (type: string) =>
      new Promise<unknown>((resolve) => {
        const onAnswer = (m: unknown) => {
          if (typeof m !== "object" || m === null || (m as { type?: unknown }).type !== type) return;
          child.off("message", onAnswer);
          resolve(m);
        };
        child.on("message", onAnswer);
        child.send({ type });
      });
    return { name: opts.name, pid: child.pid, port: ready.port, url: `http://127.0.0.1:${ready.port}`, key, ask, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
