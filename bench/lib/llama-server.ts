/**
 * @module llama.cpp's own `llama-server` as a baseline process: one GGUF, `-np` slots of `-c`
 * tokens each in all, `-t` threads, on a free loopback port; ready once GET /health answers 200.
 * Its log (stderr and stdout) goes to a file, shown in part when it fails to start.
 */
import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { closeSync, openSync, readFileSync } from "node:fs";
import { freePort } from "../../tests/helpers/free-port.ts";
import { stopChild } from "../../tests/helpers/nats-server.ts";

export interface LlamaServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export const isExecutable = (path: string): Promise<boolean> =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

export async function startLlamaServer(o: { bin: string; model: string; threads: number; slots: number; contextPerSlot: number; logFile: string }): Promise<LlamaServer> {
  const port = await freePort();
  const args = ["-m", o.model, "-t", String(o.threads), "-np", String(o.slots), "-c", String(o.slots * o.contextPerSlot), "--host", "127.0.0.1", "--port", String(port)];
  const log = openSync(o.logFile, "w");
  const child = spawn(o.bin, args, { stdio: ["ignore", log, log] });
  closeSync(log);
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  const tail = () => readFileSync(o.logFile, "utf8").trimEnd().split("\n").slice(-8).join("\n    ");
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (spawnError) throw new Error(`llama-server (${o.bin}): ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`llama-server exited (${child.exitCode ?? child.signalCode}):\n    ${tail()}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) {
      await stopChild(child);
      throw new Error(`llama-server did not get ready within 60 s:\n    ${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.pid === undefined) throw new Error("llama-server has no pid");
  return { url, pid: child.pid, stop: () => stopChild(child) };
}
