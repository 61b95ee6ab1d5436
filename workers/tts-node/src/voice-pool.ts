/**
 * @module Loads the voices in a folder (one sub-folder per voice: voice.json, model.onnx,
 * tokens.txt, lexicon.txt) with sherpa-onnx. A voice whose files are missing or broken is
 * skipped with a logged reason; the others are served.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SlotPool } from "@switchyard/shared/slot-pool";
import sherpa, { type OfflineTts } from "sherpa-onnx-node";
import { z } from "zod";
import { InputGuard } from "./input-guard.ts";

export const VoiceJsonSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  language: z.string().default("en"),
  sample_rate: z.number().int().positive(),
  speakers: z.number().int().positive().default(1),
});

export interface LoadedVoice {
  id: string;
  language: string;
  sampleRate: number;
  tts: OfflineTts;
  guard: InputGuard;
  /** One synthesis at a time per voice: the native engine is not shared between threads. */
  lock: SlotPool<OfflineTts>;
}

export async function loadVoices(dir: string, threads: number, log: (m: string) => void): Promise<Map<string, LoadedVoice>> {
  const voices = new Map<string, LoadedVoice>();
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const folder = join(dir, entry.name);
    try {
      const voice = await loadVoice(folder, threads);
      voices.set(voice.id, voice);
      log(`loaded voice ${voice.id} (${voice.sampleRate} Hz) from ${folder}`);
    } catch (err) {
      log(`skipping voice ${folder}: ${(err as Error).message}`);
    }
  }
  return voices;
}

async function loadVoice(folder: string, threads: number): Promise<LoadedVoice> {
  const meta = VoiceJsonSchema.parse(JSON.parse(await readFile(join(folder, "voice.json"), "utf8")));
  const files = { model: join(folder, "model.onnx"), tokens: join(folder, "tokens.txt"), lexicon: join(folder, "lexicon.txt") };
  for (const [name, path] of Object.entries(files)) if (!existsSync(path)) throw new Error(`${name} file ${path} is missing`);
  // Read before the native code sees them: a tokens.txt without a space token aborts the process.
  const guard = InputGuard.fromFiles(await readFile(files.tokens, "utf8"), await readFile(files.lexicon, "utf8"));
  const tts = await sherpa.OfflineTts.createAsync({
    model: { vits: files, numThreads: threads, provider: "cpu", debug: false },
    maxNumSentences: 1,
  });
  if (tts.sampleRate !== meta.sample_rate) throw new Error(`voice.json says ${meta.sample_rate} Hz but the model says ${tts.sampleRate} Hz`);
  return { id: meta.id, language: meta.language, sampleRate: tts.sampleRate, tts, guard, lock: new SlotPool([tts]) };
}
