/**
 * @module `bench:tts --split-first N`, a what-if that changes the system under test (off by
 * default): the tts-node's onProgress gets the engine's first batch as its first N samples, and
 * the rest on the next turn of the event loop (setImmediate), as if the worker converted and
 * published a small first chunk and let it leave before converting the rest of the sentence.
 * generateAsync resolves only once the rest went out, so "done" still comes last; the audio is
 * the same bytes.
 */
import type { GeneratedAudio, OfflineTts, TtsAsyncRequest, TtsProgress } from "sherpa-onnx-node";

export const SPLIT_FIRST_ENV = "BENCH_TTS_SPLIT_FIRST";
export const WORKER_TRACE_ENV = "BENCH_TTS_WORKER_TRACE";

type Generate = (req: TtsAsyncRequest) => Promise<GeneratedAudio>;

/** Runs `generate` with req's onProgress wrapped as described above. */
export function generateSplitFirst(generate: Generate, req: TtsAsyncRequest, n: number): Promise<GeneratedAudio> {
  const onProgress = req.onProgress;
  if (!onProgress || n <= 0) return generate(req);
  let first = true;
  let tail: { run: () => void; immediate: NodeJS.Immediate } | undefined;
  let tailSent: Promise<void> = Promise.resolve();
  // A later batch (or the end) never overtakes the rest of the first one.
  const flushTail = () => {
    if (!tail) return;
    clearImmediate(tail.immediate);
    tail.run();
  };
  const wrapped = (info: TtsProgress) => {
    flushTail();
    if (!first || info.samples.length <= n) {
      if (info.samples.length > 0) first = false;
      return onProgress(info);
    }
    first = false;
    const head = onProgress({ ...info, samples: info.samples.subarray(0, n) });
    // The worker returns 0 to stop the engine.
    if (head === 0 || head === false) return head;
    const rest: TtsProgress = { ...info, samples: info.samples.subarray(n) };
    tailSent = new Promise<void>((resolve) => {
      const run = () => {
        tail = undefined;
        onProgress(rest);
        resolve();
      };
      tail = { run, immediate: setImmediate(run) };
    });
    return head;
  };
  return generate({ ...req, onProgress: wrapped }).then(
    async (audio) => {
      await tailSent;
      return audio;
    },
    (err: unknown) => {
      flushTail();
      throw err;
    },
  );
}

/** For an engine in this process (the embedded stack's). */
export function splitFirstBatch(tts: OfflineTts, n: number): void {
  const generateAsync = tts.generateAsync.bind(tts);
  tts.generateAsync = (req: TtsAsyncRequest) => generateSplitFirst(generateAsync, req, n);
}
