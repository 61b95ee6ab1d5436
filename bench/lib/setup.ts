/**
 * @module Builds one runner per variant on a shared generated model: the direct baseline, and
 * the gateway stacks with whatever they need (a nats-server, worker processes), registering
 * every teardown and every process whose CPU time should be accounted.
 */
import { spawnSync } from "node:child_process";
import { startNatsServer } from "../../tests/helpers/nats-server.ts";
import type { Cleanups } from "./cleanups.ts";
import { childPidsNamed, type WatchedProcess } from "./cpu.ts";
import { DirectRunner } from "./direct.ts";
import { runGateway } from "./gateway-client.ts";
import type { BenchOptions, Variant } from "./options.ts";
import type { BenchRequest, RunResult } from "./run-result.ts";
import { type StackSettings, startEmbeddedStack, startWorkerProcessStack } from "./stacks.ts";

export type Runner = () => Promise<RunResult>;

export interface BenchSetup {
  variants: Variant[];
  runners: Map<Variant, Runner>;
  watched: WatchedProcess[];
}

const natsServerBin = (): string => process.env.NATS_SERVER_BIN ?? "nats-server";

/** Without nats-server the NATS variants are dropped with a warning rather than failing the bench. */
function natsServerAvailable(): boolean {
  return spawnSync(natsServerBin(), ["--version"], { stdio: "ignore" }).error === undefined;
}

export async function setUpVariants(
  opts: BenchOptions,
  request: BenchRequest,
  settings: StackSettings,
  model: { id: string; path: string },
  cleanups: Cleanups,
): Promise<BenchSetup> {
  let variants = opts.variants;
  const natsVariants = variants.filter((v) => v.startsWith("nats"));
  if (natsVariants.length > 0 && !natsServerAvailable()) {
    console.warn(`WARNING: ${natsServerBin()} not found (set NATS_SERVER_BIN); skipping ${natsVariants.join(", ")}`);
    variants = variants.filter((v) => !v.startsWith("nats"));
  }
  const runners = new Map<Variant, Runner>();
  const watched: WatchedProcess[] = [{ name: "bench", pid: process.pid }];
  let natsUrl = "";
  if (variants.some((v) => v.startsWith("nats"))) {
    const nats = await startNatsServer();
    cleanups.add("nats-server", () => nats.stop());
    natsUrl = nats.url;
    for (const pid of childPidsNamed(process.pid, "nats-server")) watched.push({ name: "nats-server", pid });
  }
  for (const v of variants) {
    if (v === "direct") {
      const direct = await DirectRunner.open({ modelPath: model.path, threads: opts.threads, contextSize: opts.contextSize, gpu: opts.gpu });
      cleanups.add("direct model", () => direct.dispose());
      runners.set(v, () => direct.run(request));
      continue;
    }
    const stack =
      v === "nats"
        ? await startWorkerProcessStack(settings, model.id, natsUrl)
        : await startEmbeddedStack(settings, model.id, v === "nats-embedded" ? natsUrl : undefined);
    cleanups.add(`${v} stack`, () => stack.stop());
    if (stack.workerPid !== undefined) watched.push({ name: "gpu-node", pid: stack.workerPid });
    runners.set(v, () => runGateway(stack.url, model.id, request));
  }
  return { variants, runners, watched };
}
