/** @module Prints the per-variant table, the gateway-versus-direct ratios, and output checks. */
import { sumProcTimes } from "./cpu.ts";
import type { Variant } from "./options.ts";
import { decodeTokensPerSecond, endToEndTokensPerSecond, type RunResult } from "./run-result.ts";
import { summarize } from "./stats.ts";

/** One interleaved round: every variant ran once, back to back. */
export type Round = Partial<Record<Variant, RunResult>>;

const TPS_GOAL = 0.95;
const ADDED_TTFT_GOAL_MS = 5;

const DESCRIPTIONS: Record<Variant, string> = {
  direct: "node-llama-cpp in this process, no gateway",
  nats: "HTTP SSE -> gateway (this process) -> nats-server -> gpu-node process",
  "nats-embedded": "HTTP SSE -> gateway -> nats-server -> gpu-node, all in this process",
  inproc: "HTTP SSE -> gateway -> in-process bus -> gpu-node (npm start)",
};

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "-");
const pad = (s: string, n: number) => s.padStart(n);
const mark = (ok: boolean) => (ok ? "ok" : "BELOW GOAL");

function column(rounds: Round[], v: Variant, pick: (r: RunResult) => number): number[] {
  return rounds.flatMap((round) => (round[v] ? [pick(round[v])] : []));
}

/** Ratios taken within each round cancel most of the machine's drift between rounds. */
function paired(rounds: Round[], v: Variant, pick: (gw: RunResult, direct: RunResult) => number): number[] {
  return rounds.flatMap((round) => (round[v] && round.direct ? [pick(round[v], round.direct)] : []));
}

export function printReport(rounds: Round[], variants: Variant[]): void {
  console.log("\nvariant          decode tok/s (p50 / mean)   e2e tok/s p50   TTFT ms (p50 / mean)   pieces  tokens");
  for (const v of variants) {
    const tps = summarize(column(rounds, v, decodeTokensPerSecond));
    const e2e = summarize(column(rounds, v, endToEndTokensPerSecond));
    const ttft = summarize(column(rounds, v, (r) => r.ttftMs));
    const pieces = summarize(column(rounds, v, (r) => r.pieces));
    const tokens = summarize(column(rounds, v, (r) => r.completionTokens));
    console.log(
      `${v.padEnd(15)} ${pad(f1(tps.p50), 9)} / ${pad(f1(tps.mean), 7)}       ${pad(f1(e2e.p50), 9)}       ${pad(f2(ttft.p50), 7)} / ${pad(f2(ttft.mean), 7)}   ${pad(f1(pieces.p50), 6)}  ${pad(f1(tokens.p50), 6)}`,
    );
  }
  for (const v of variants) console.log(`  ${v.padEnd(14)} ${DESCRIPTIONS[v]}`);
  if (!variants.includes("direct")) return;
  const direct = summarize(column(rounds, "direct", decodeTokensPerSecond));
  const directTtft = summarize(column(rounds, "direct", (r) => r.ttftMs));
  console.log(`\ngateway vs direct (goals: tok/s ratio >= ${TPS_GOAL}, added TTFT p50 <= ${ADDED_TTFT_GOAL_MS} ms)`);
  for (const v of variants) {
    if (v === "direct") continue;
    const tps = summarize(column(rounds, v, decodeTokensPerSecond));
    const ttft = summarize(column(rounds, v, (r) => r.ttftMs));
    const ratio = tps.p50 / direct.p50;
    const added = ttft.p50 - directTtft.p50;
    const pairedRatio = summarize(paired(rounds, v, (g, d) => decodeTokensPerSecond(g) / decodeTokensPerSecond(d))).p50;
    const pairedAdded = summarize(paired(rounds, v, (g, d) => g.ttftMs - d.ttftMs)).p50;
    const perToken = 1000 / tps.p50 - 1000 / direct.p50;
    console.log(
      `  ${v.padEnd(14)} tok/s ratio ${f3(ratio)} [${mark(ratio >= TPS_GOAL)}] (paired p50 ${f3(pairedRatio)}, ${f1(perToken * 1000)} µs/token extra)` +
        `   added TTFT p50 ${f2(added)} ms [${mark(added <= ADDED_TTFT_GOAL_MS)}] (paired p50 ${f2(pairedAdded)} ms)`,
    );
  }
}

/**
 * Warns about runs whose text differs from the reference (the first direct run, or the first run
 * of the first variant without one), or that did not run to max_tokens: every path is fed the
 * same prompt, sampling and seed, so anything else means the paths are not doing the same work.
 */
export function checkOutputs(rounds: Round[], variants: Variant[], maxTokens: number): boolean {
  const refVariant: Variant | undefined = variants.includes("direct") ? "direct" : variants[0];
  const reference = refVariant ? rounds.find((r) => r[refVariant])?.[refVariant]?.text : undefined;
  let ok = true;
  for (const v of variants) {
    const runs = rounds.flatMap((r) => (r[v] ? [r[v]] : []));
    const short = runs.filter((r) => r.completionTokens !== maxTokens || r.finishReason !== "length").length;
    if (short > 0) {
      ok = false;
      console.warn(`WARNING: ${v}: ${short} of ${runs.length} runs did not stop at exactly max_tokens (${maxTokens}, finish "length")`);
    }
    const differing = runs.filter((r) => r.text !== reference);
    if (differing.length > 0 && reference !== undefined) {
      ok = false;
      const sample = differing[0]!.text;
      let at = 0;
      while (at < sample.length && sample[at] === reference[at]) at += 1;
      console.warn(
        `WARNING: ${v}: ${differing.length} of ${runs.length} outputs differ from the first ${refVariant} run with the same seed ` +
          `(first difference at char ${at}: ${JSON.stringify(reference.slice(at, at + 20))} vs ${JSON.stringify(sample.slice(at, at + 20))})`,
      );
    }
  }
  if (ok) console.log(`\noutputs: every run of every variant produced the same ${maxTokens} tokens of text (${reference?.length ?? 0} chars)`);
  return ok;
}

/**
 * CPU per generated token, by process and thread kind. Wall time per token is the budget: on a
 * 2-core machine, once the processes together need more than two cores' worth per token, or the
 * serial worker loop waits for a core, tokens slow down.
 */
export function printCpuReport(rounds: Round[], variants: Variant[], processes: string[]): void {
  const names = [...new Set(processes)];
  const us = (ns: number, tokens: number) => ns / 1000 / tokens;
  console.log("\nCPU per token in µs, mean of measured runs (main = JS thread, other = llama.cpp/libuv/GC threads, wait = runnable, no core free)");
  console.log(`variant         wall/token  ${names.map((n) => `${n} main/other/wait`.padStart(28)).join("")}   all-CPU`);
  for (const v of variants) {
    const runs = rounds.flatMap((r) => (r[v]?.cpu ? [r[v]] : []));
    if (runs.length === 0) continue;
    const tokens = runs.reduce((s, r) => s + r.completionTokens, 0);
    const wall = runs.reduce((s, r) => s + r.totalMs * 1e6, 0);
    let all = 0;
    const cells = names.map((n) => {
      const { mainNs: main, otherNs: other, waitNs: wait } = sumProcTimes(runs, n);
      all += main + other;
      return `${f1(us(main, tokens))}/${f1(us(other, tokens))}/${f1(us(wait, tokens))}`.padStart(28);
    });
    console.log(`${v.padEnd(15)} ${pad(f1(us(wall, tokens)), 10)}  ${cells.join("")}   ${pad(f1(us(all, tokens)), 7)}`);
  }
}
