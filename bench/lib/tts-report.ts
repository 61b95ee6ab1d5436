/** @module bench:tts tables: first audio byte and real-time factor per text and variant, the gateway's added first byte, audio checks, CPU. */
import { type CpuSnapshot, sumProcTimes } from "./cpu.ts";
import { percentileOf } from "./stats.ts";
import type { TextName, TtsVariant } from "./tts-options.ts";
import { audioSeconds, rtf, type TtsRunResult } from "./tts-result.ts";

export const ADDED_TTFB_GOAL_MS = 10;

export interface TtsRun extends TtsRunResult {
  /** CPU time of the watched processes during this run, when /proc schedstat is readable. */
  cpu?: CpuSnapshot;
}

/** One interleaved round: every variant spoke every text once. */
export type TtsRound = Partial<Record<TextName, Partial<Record<TtsVariant, TtsRun>>>>;

export const DESCRIPTIONS: Record<TtsVariant, string> = {
  direct: "sherpa-onnx OfflineTts.generateAsync in this process, no gateway (first onProgress with samples)",
  inproc: "HTTP -> gateway -> in-process bus -> tts-node, all in this process (npm start)",
  nats: "HTTP -> gateway (this process) -> nats-server -> tts-node process",
};

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");
const signed = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(2)}` : "-");
const pad = (s: string, n: number) => s.padStart(n);

const p50 = (xs: number[]) => percentileOf(xs, 0.5);
const p90 = (xs: number[]) => percentileOf(xs, 0.9);

function runs(rounds: TtsRound[], text: TextName, v: TtsVariant): TtsRun[] {
  return rounds.flatMap((r) => {
    const run = r[text]?.[v];
    return run ? [run] : [];
  });
}

/** Differences taken within each round cancel most of the machine's drift between rounds. */
function paired(rounds: TtsRound[], text: TextName, v: TtsVariant, pick: (gw: TtsRun, direct: TtsRun) => number): number[] {
  return rounds.flatMap((r) => {
    const gw = r[text]?.[v];
    const direct = r[text]?.direct;
    return gw && direct ? [pick(gw, direct)] : [];
  });
}

export interface AddedFirstByte {
  text: TextName;
  variant: TtsVariant;
  /** p50(gateway) - p50(direct). */
  addedMs: number;
  /** p50 of per-round differences. */
  pairedMs: number;
}

export function printTtsReport(rounds: TtsRound[], texts: TextName[], variants: TtsVariant[], chars: Record<TextName, number>): AddedFirstByte[] {
  const added: AddedFirstByte[] = [];
  for (const text of texts) {
    const reference = runs(rounds, text, variants.includes("direct") ? "direct" : variants[0]!)[0];
    const audio = reference ? `${f2(audioSeconds(reference))} s of audio at ${reference.sampleRate} Hz` : "no audio";
    console.log(`\ntext "${text}" (${chars[text]} chars, ${audio})`);
    console.log("variant   first audio ms p50 /    p90   total ms p50 /    p90    RTF p50      p90   pieces");
    for (const v of variants) {
      const rs = runs(rounds, text, v);
      const ttfb = rs.map((r) => r.ttfbMs);
      const total = rs.map((r) => r.totalMs);
      const rtfs = rs.map(rtf);
      console.log(
        `${v.padEnd(8)} ${pad(f2(p50(ttfb)), 17)} / ${pad(f2(p90(ttfb)), 6)}  ${pad(f2(p50(total)), 13)} / ${pad(f2(p90(total)), 6)}  ` +
          `${pad(p50(rtfs).toFixed(5), 9)} ${pad(p90(rtfs).toFixed(5), 8)}   ${pad(f1(p50(rs.map((r) => r.pieces))), 6)}`,
      );
    }
    if (!variants.includes("direct")) continue;
    const directTtfb = p50(runs(rounds, text, "direct").map((r) => r.ttfbMs));
    const directTotal = p50(runs(rounds, text, "direct").map((r) => r.totalMs));
    for (const v of variants) {
      if (v === "direct") continue;
      const a = p50(runs(rounds, text, v).map((r) => r.ttfbMs)) - directTtfb;
      const pairedMs = p50(paired(rounds, text, v, (g, d) => g.ttfbMs - d.ttfbMs));
      const pairedP90 = p90(paired(rounds, text, v, (g, d) => g.ttfbMs - d.ttfbMs));
      const addedTotal = p50(runs(rounds, text, v).map((r) => r.totalMs)) - directTotal;
      added.push({ text, variant: v, addedMs: a, pairedMs });
      console.log(
        `  ${v.padEnd(7)} added first audio p50 ${pad(signed(a), 7)} ms [${a <= ADDED_TTFB_GOAL_MS ? "ok" : "OVER GOAL"}]` +
          ` (paired p50 ${signed(pairedMs)} ms, p90 ${signed(pairedP90)} ms); added total p50 ${signed(addedTotal)} ms`,
      );
    }
  }
  console.log("");
  for (const v of variants) console.log(`  ${v.padEnd(7)} ${DESCRIPTIONS[v]}`);
  console.log("  first audio: direct = first onProgress with samples; gateway = first response body chunk with PCM bytes, from just before fetch");
  console.log("  RTF = wall time to the last audio / seconds of audio (below 1 is faster than real time)");
  return added;
}

/** Prints whether the gateway met its added-first-byte goal; returns it. */
export function printGoal(added: AddedFirstByte[]): boolean {
  if (added.length === 0) return true;
  const worst = added.reduce((w, a) => (a.addedMs > w.addedMs ? a : w));
  const ok = added.every((a) => a.addedMs <= ADDED_TTFB_GOAL_MS);
  console.log(
    `\ngoal: gateway adds <= ${ADDED_TTFB_GOAL_MS} ms to the first audio byte at p50: ${ok ? "MET" : "MISSED"}` +
      ` (worst: ${worst.variant} on "${worst.text}", ${signed(worst.addedMs)} ms; paired ${signed(worst.pairedMs)} ms)`,
  );
  return ok;
}

/**
 * Same audio on every path: the gateway's PCM is 16-bit, so its byte count must be twice the
 * baseline's sample count, run after run. Warns otherwise.
 */
export function checkAudio(rounds: TtsRound[], texts: TextName[], variants: TtsVariant[]): boolean {
  let ok = true;
  for (const text of texts) {
    const directRuns = variants.includes("direct") ? runs(rounds, text, "direct") : [];
    const ref = directRuns[0]?.samples;
    if (ref === undefined) continue;
    const drift = directRuns.filter((r) => r.samples !== ref).length;
    if (drift > 0) {
      ok = false;
      console.warn(`WARNING: direct "${text}": ${drift} of ${directRuns.length} runs made a different number of samples than the first (${ref})`);
    }
    for (const v of variants) {
      if (v === "direct") continue;
      const rs = runs(rounds, text, v);
      const bad = rs.filter((r) => r.bytes !== 2 * ref);
      if (bad.length > 0) {
        ok = false;
        console.warn(`WARNING: ${v} "${text}": ${bad.length} of ${rs.length} bodies are not 2 x ${ref} direct samples = ${2 * ref} bytes (first: ${bad[0]!.bytes})`);
      }
      const rates = new Set(rs.map((r) => r.sampleRate));
      const directRate = directRuns[0]!.sampleRate;
      if (rates.size !== 1 || !rates.has(directRate)) {
        ok = false;
        console.warn(`WARNING: ${v} "${text}": x-sample-rate ${[...rates].join(",")} differs from the engine's ${directRate} Hz`);
      }
    }
  }
  if (ok) console.log("\naudio: every gateway body had exactly 2 bytes per sample the baseline produced for the same text");
  return ok;
}

/** CPU per request by process and thread kind, mean of measured runs, in ms. */
export function printTtsCpu(rounds: TtsRound[], texts: TextName[], variants: TtsVariant[], processes: string[]): void {
  const names = [...new Set(processes)];
  if (!rounds.some((r) => texts.some((t) => variants.some((v) => r[t]?.[v]?.cpu)))) return;
  console.log("\nCPU ms per request, mean of measured runs (main = JS thread, other = sherpa-onnx/libuv/GC threads, wait = runnable, no core free)");
  console.log(`text   variant   wall ms  ${names.map((n) => `${n} main/other/wait`.padStart(30)).join("")}`);
  for (const text of texts) {
    for (const v of variants) {
      const rs = runs(rounds, text, v).filter((r) => r.cpu);
      if (rs.length === 0) continue;
      const wall = rs.reduce((s, r) => s + r.totalMs, 0) / rs.length;
      const cells = names.map((n) => {
        const { mainNs: main, otherNs: other, waitNs: wait } = sumProcTimes(rs, n);
        const ms = (ns: number) => f2(ns / 1e6 / rs.length);
        return `${ms(main)}/${ms(other)}/${ms(wait)}`.padStart(30);
      });
      console.log(`${text.padEnd(6)} ${v.padEnd(8)} ${pad(f2(wall), 7)}  ${cells.join("")}`);
    }
  }
}
