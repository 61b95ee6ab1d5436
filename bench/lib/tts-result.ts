/** @module What one speech run measured, from the baseline's side or the HTTP client's. */

export interface TtsRunResult {
  /** Start (just before generateAsync / fetch) to the first audio: a batch with samples, or a body chunk with PCM bytes. */
  ttfbMs: number;
  /** Start to the last audio (generateAsync resolved / the body ended). */
  totalMs: number;
  /** Audio samples received: onProgress samples, or PCM body bytes / 2. */
  samples: number;
  sampleRate: number;
  /** onProgress batches with samples, or body chunks with bytes. */
  pieces: number;
  /** PCM body bytes (gateway runs); NaN for the baseline. */
  bytes: number;
}

/** Real-time factor: wall time over the duration of the audio; below 1 is faster than real time. */
export const rtf = (r: TtsRunResult): number => r.totalMs / 1000 / (r.samples / r.sampleRate);

/** Seconds of audio. */
export const audioSeconds = (r: TtsRunResult): number => r.samples / r.sampleRate;
