/**
 * @module The speech baseline: sherpa-onnx's OfflineTts in this process, loaded the way
 * workers/tts-node/src/voice-pool.ts loadVoice() does (numThreads, cpu, maxNumSentences 1), fed
 * the text the worker would feed it (InputGuard.clean), with no bus, no PCM conversion, no HTTP.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { InputGuard } from "@switchyard/tts-node/input-guard";
import sherpa, { type OfflineTts } from "sherpa-onnx-node";
import type { TtsRunResult } from "./tts-result.ts";

export class TtsDirectRunner {
  private constructor(
    private readonly tts: OfflineTts,
    readonly guard: InputGuard,
  ) {}

  get sampleRate(): number {
    return this.tts.sampleRate;
  }

  /** `voiceDir` is one voice's folder (model.onnx, tokens.txt, lexicon.txt). */
  static async open(voiceDir: string, threads: number): Promise<TtsDirectRunner> {
    const files = { model: join(voiceDir, "model.onnx"), tokens: join(voiceDir, "tokens.txt"), lexicon: join(voiceDir, "lexicon.txt") };
    const guard = InputGuard.fromFiles(await readFile(files.tokens, "utf8"), await readFile(files.lexicon, "utf8"));
    const tts = await sherpa.OfflineTts.createAsync({
      model: { vits: files, numThreads: threads, provider: "cpu", debug: false },
      maxNumSentences: 1,
    });
    return new TtsDirectRunner(tts, guard);
  }

  /** `text` must already be cleaned by `guard` (the worker cleans before it times anything either). */
  async run(text: string): Promise<TtsRunResult> {
    const start = performance.now();
    let first = Number.NaN;
    let samples = 0;
    let pieces = 0;
    const audio = await this.tts.generateAsync({
      text,
      sid: 0,
      speed: 1,
      onProgress: ({ samples: s }) => {
        if (s.length > 0) {
          if (pieces === 0) first = performance.now();
          pieces += 1;
          samples += s.length;
        }
        return 1;
      },
    });
    const end = performance.now();
    return {
      ttfbMs: first - start,
      totalMs: end - start,
      // Every batch passed through onProgress; the returned audio is their concatenation.
      samples: samples > 0 ? samples : audio.samples.length,
      sampleRate: audio.sampleRate,
      pieces,
      bytes: Number.NaN,
    };
  }
}
