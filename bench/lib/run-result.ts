/** @module What one measured generation reports, whichever path produced it. */
import type { CpuSnapshot } from "./cpu.ts";

export interface RunResult {
  /** Request start (or, direct, the start of prompt rendering) to the first non-empty text. */
  ttftMs: number;
  /** Non-empty text pieces (direct) or content chunks (gateway) the consumer saw. */
  pieces: number;
  /** First piece to last piece. */
  decodeMs: number;
  /** Request start to the end of the stream. */
  totalMs: number;
  /** Model tokens generated, as the producer counted them. */
  completionTokens: number;
  finishReason: string;
  text: string;
  /** CPU each watched process spent during the run, when schedstat is readable. */
  cpu?: CpuSnapshot;
}

/**
 * Steady-state rate: tokens after the first, over the time from the first text to the last; the
 * first belongs to TTFT. Counted in tokens, not pieces, so a path that coalesces several tokens
 * into one chunk is measured fairly (it assumes the first chunk holds one token).
 */
export const decodeTokensPerSecond = (r: RunResult): number => ((r.completionTokens - 1) * 1000) / r.decodeMs;

/** What a user gets overall, TTFT included. */
export const endToEndTokensPerSecond = (r: RunResult): number => (r.completionTokens * 1000) / r.totalMs;

/** The same request for every variant, so outputs are comparable token for token. */
export interface BenchRequest {
  messages: Array<{ role: "system" | "user"; content: string }>;
  maxTokens: number;
  temperature: number;
  seed: number;
}
