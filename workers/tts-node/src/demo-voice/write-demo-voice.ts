/**
 * @module demo-voice/write-demo-voice — writes the demo tone voice as one folder:
 * model.onnx, tokens.txt, lexicon.txt and voice.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  buildToneVitsModel,
  DEFAULT_SAMPLE_RATE,
  type DemoVoiceFrontend,
  lexiconTxt,
  tokensTxt,
} from "./tone-vits.ts";

export const DEFAULT_DEMO_VOICE_DIR = "./.switchyard/voices/demo";

/** Absolute-or-relative paths (as given in `dir`) of the files written. */
export interface VoiceFiles {
  dir: string;
  model: string;
  tokens: string;
  lexicon: string;
  voiceJson: string;
}

/** The voice.json descriptor. */
export interface VoiceDescriptor {
  id: string;
  language: string;
  sample_rate: number;
  speakers: number;
}

export interface WriteDemoVoiceOptions {
  sampleRate?: number;
  /** See ToneVitsOptions.frontend; default "lexicon". */
  frontend?: DemoVoiceFrontend;
}

export async function writeDemoVoice(dir: string, opts: WriteDemoVoiceOptions = {}): Promise<VoiceFiles> {
  const sampleRate = opts.sampleRate ?? DEFAULT_SAMPLE_RATE;
  const model = buildToneVitsModel({ sampleRate, frontend: opts.frontend ?? "lexicon" });
  const files: VoiceFiles = {
    dir,
    model: join(dir, "model.onnx"),
    tokens: join(dir, "tokens.txt"),
    lexicon: join(dir, "lexicon.txt"),
    voiceJson: join(dir, "voice.json"),
  };
  const descriptor: VoiceDescriptor = { id: "demo", language: "en", sample_rate: sampleRate, speakers: 1 };
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(files.model, model),
    writeFile(files.tokens, tokensTxt()),
    writeFile(files.lexicon, lexiconTxt()),
    writeFile(files.voiceJson, `${JSON.stringify(descriptor, null, 2)}\n`),
  ]);
  return files;
}
