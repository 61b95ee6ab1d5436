/** @module What every `bench:scale` section is handed: settings, the running processes, and where results go. */
import { setTimeout as sleep } from "node:timers/promises";
import type { ChildService } from "./child-service.ts";
import type { Cleanups } from "./cleanups.ts";
import type { WatchedProcess } from "./cpu.ts";
import type { CpuWindow } from "./cpu-window.ts";
import { type ChatSpec, streamChat } from "./scale-client.ts";
import type { ScaleOptions, Section } from "./scale-options.ts";
import type { Verdicts } from "./scale-report.ts";
import type { Dispatch, WorkerProcess, Wiring } from "./scale-stack.ts";

export interface ScaleBench {
  opts: ScaleOptions;
  cores: number;
  /** The bench's temp folder (models, logs). */
  tmp: string;
  /** The generated demo GGUF every model id is a copy of. */
  gguf: string;
  wiring: Wiring;
  /** Where a section registers the teardown of what it starts. */
  cleanups: Cleanups;
  gateways: Partial<Record<Dispatch, ChildService>>;
  /** Every process whose CPU is this bench's own; sections append the ones they start. */
  watched: WatchedProcess[];
  /** Every gpu-node started, for the slot check at the end; sections append theirs. */
  workers: WorkerProcess[];
  verdicts: Verdicts;
  /** What went wrong in Switchyard's streams or slots; each one makes the bench exit 1. */
  problems: string[];
  /** Measured runs' CPU windows, per section. */
  windows: Map<Section, CpuWindow[]>;
}

export function gatewayUrl(b: ScaleBench, mode: Dispatch): string {
  const gw = b.gateways[mode];
  if (!gw) throw new Error(`no ${mode} gateway in this run`);
  return gw.url;
}

export function recordWindow(b: ScaleBench, section: Section, w: CpuWindow): void {
  const list = b.windows.get(section) ?? [];
  list.push(w);
  b.windows.set(section, list);
}

/**
 * Warm-up and measured rounds of one section, its variants interleaved: round i runs them in
 * `order(i)`, so no variant always runs right after the same other one. Each run is printed;
 * the measured ones are returned and their CPU windows recorded.
 */
export async function interleavedRounds<V, R extends { cpu: CpuWindow }>(
  b: ScaleBench,
  section: Section,
  order: (round: number) => readonly V[],
  run: (variant: V, round: number) => Promise<R>,
  brief: (r: R) => string,
): Promise<R[]> {
  const { opts } = b;
  const runs: R[] = [];
  for (let i = 0; i < opts.warmup + opts.rounds; i++) {
    const measured = i >= opts.warmup;
    for (const variant of order(i)) {
      const r = await run(variant, i);
      console.log(`  ${measured ? `round ${i - opts.warmup + 1}` : "warm-up"}  ${brief(r)}`);
      if (measured) {
        runs.push(r);
        recordWindow(b, section, r.cpu);
      }
      await sleep(opts.settleMs);
    }
  }
  return runs;
}

/** Two variants, swapped every other round. */
export const alternating =
  <V>(pair: readonly V[]) =>
  (round: number): readonly V[] =>
    round % 2 === 0 ? pair : [...pair].reverse();

/** The sampling every section sends, with its own model, prompt and length. */
export const spec = (b: ScaleBench, model: string, prompt: string, maxTokens: number): ChatSpec => ({
  model,
  prompt,
  maxTokens,
  temperature: b.opts.temperature,
  seed: b.opts.seed,
});

/**
 * Loads `model` on every one of `workers` (gpu-node loads on first request) through the
 * least-loaded gateway: as many requests at once as workers, so each idle worker gets one,
 * until x-switchyard-worker has named them all.
 */
export async function loadEverywhere(b: ScaleBench, model: string, workers: readonly string[]): Promise<void> {
  const url = gatewayUrl(b, "least-loaded");
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 10 && seen.size < workers.length; attempt++) {
    const outcomes = await Promise.all(workers.map((_, i) => streamChat(url, spec(b, model, `load ${attempt} ${i}`, 4))));
    for (const o of outcomes) {
      if (o.error) throw new Error(`loading ${model}: ${o.error}`);
      if (o.worker) seen.add(o.worker);
    }
  }
  const missing = workers.filter((w) => !seen.has(w));
  if (missing.length > 0) throw new Error(`${model} never reached ${missing.join(", ")}`);
}
