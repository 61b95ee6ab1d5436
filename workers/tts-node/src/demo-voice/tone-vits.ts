/**
 * @module demo-voice/tone-vits — a "voice" that sherpa-onnx loads as a VITS model and that
 * turns every token into a short tone: letters and digits are notes of a pentatonic scale,
 * space and punctuation are silence. No weights, no download: the ONNX graph, tokens.txt and
 * lexicon.txt are all generated here.
 *
 * Model interface (what sherpa-onnx's OfflineTtsVitsModel::RunVits feeds):
 *   x int64 [1, T], x_length int64 [1], noise_scale float [1], length_scale float [1],
 *   noise_scale_w float [1]  →  y float [1, 1, S]
 * with S = T · clip(floor(length_scale · samplesPerToken), 1, 8 · samplesPerToken).
 * sherpa-onnx passes length_scale = 1 / speed, so speed 2 halves the length. The noise inputs
 * and x_length are accepted and ignored: the output is deterministic. No `sid` input: one speaker.
 */
import { ElemType, encodeOnnxModel, type OnnxNode, type OnnxTensor } from "./onnx-writer.ts";

export type DemoVoiceFrontend = "lexicon" | "characters";

export interface ToneVitsOptions {
  /** Output sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Length of one token's tone at speed 1, in seconds (default 0.08). */
  secondsPerToken?: number;
  /**
   * "lexicon" (default): words are looked up in lexicon.txt; sherpa-onnx drops unknown words
   * with an "OOV … Ignore it!" log line. "characters": metadata `frontend=characters`, every
   * character that is a token is spoken (unknown words are spelled), lexicon.txt is not read.
   */
  frontend?: DemoVoiceFrontend;
}

export const DEFAULT_SAMPLE_RATE = 16_000;
export const DEFAULT_SECONDS_PER_TOKEN = 0.08;
/** Longest tone per token, as a multiple of the speed-1 length (caps slow speeds). */
export const MAX_LENGTH_SCALE = 8;

/** Silent tokens, in id order after "_" (0). " " must exist: the lexicon frontend aborts without it. */
const SILENT = ["_", " ", ",", ".", "!", "?", ";", ":", "'", '"', "-", "(", ")"] as const;
const LETTERS = "abcdefghijklmnopqrstuvwxyz".split("");
const DIGITS = "0123456789".split("");

/** Every token symbol; its index is its id. */
export const TOKENS: readonly string[] = [...SILENT, ...LETTERS, ...DIGITS];

/**
 * Punctuation metadata. sherpa-onnx's lexicon frontend looks up `, . ! ? ; : -` in tokens.txt
 * when they are listed here and aborts on one that is missing, so every entry is a token.
 */
export const PUNCTUATION = ", . ! ? ; : - ' \" ( )";

/** Tone frequency for the i-th sounding token: a major pentatonic scale upwards from A3. */
function pentatonicHz(i: number): number {
  const steps = [0, 2, 4, 7, 9];
  const semitones = 12 * Math.floor(i / steps.length) + steps[i % steps.length]!;
  return 220 * 2 ** (semitones / 12);
}

/** Frequency (Hz) and amplitude per token id. */
export function toneTable(): { freq: Float32Array; amp: Float32Array } {
  const freq = new Float32Array(TOKENS.length);
  const amp = new Float32Array(TOKENS.length);
  LETTERS.forEach((_, i) => {
    freq[SILENT.length + i] = pentatonicHz(i % 15); // three octaves, 220–1320 Hz
    amp[SILENT.length + i] = 0.5;
  });
  DIGITS.forEach((_, i) => {
    freq[SILENT.length + LETTERS.length + i] = pentatonicHz(i) * 2;
    amp[SILENT.length + LETTERS.length + i] = 0.4;
  });
  return { freq, amp };
}

/** tokens.txt: `<symbol> <id>` per line; the space token's line is ` <id>`. */
export function tokensTxt(): string {
  return `${TOKENS.map((t, id) => `${t} ${id}`).join("\n")}\n`;
}

/** Common English words, spelled letter by letter in the lexicon. */
const WORDS = `a about above after again all also am an and any are as at back be because been before
being below between both but by can could day did do does doing don't down during each even every
few first for from further get give go good got had has have having he hello her here hers herself
him himself his how i if in into is it it's its itself just know last like little long look made
make man many me more most much must my myself new no nor not now of off oh ok okay on once one only
or other our ours ourselves out over own people please right said same say see she should so some
sorry speech still such switchyard take test testing than thank thanks that that's the their theirs
them themselves then there these they thing think this those three through time to today too two
under until up us very voice want was way we well were what when where which while who whom why
will with world would yes yet you your yours yourself yourselves demo gateway model sound tone hi
bye goodbye morning evening night zero four five six seven eight nine ten`
  .split(/\s+/)
  .filter((w) => w.length > 0);

/**
 * lexicon.txt: `<word> <token> <token>…`. Covers a–z and 0–9 as one-letter words, 0–100 as
 * digit strings, the common words above, and `" ( ) '` as silent words (only `, . ! ? ; : -`
 * are handled as punctuation by the frontend; other symbols are looked up as words).
 */
export function lexiconTxt(): string {
  const tokenSet = new Set(TOKENS);
  const words = new Set<string>([...LETTERS, ...DIGITS, ...WORDS]);
  for (let n = 0; n <= 100; n++) words.add(String(n));
  const lines: string[] = [];
  for (const w of words) {
    const chars = w.split("");
    if (!chars.every((c) => tokenSet.has(c))) throw new Error(`lexicon word ${w} has a non-token character`);
    lines.push(`${w} ${chars.join(" ")}`);
  }
  for (const p of ['"', "(", ")", "'"]) lines.push(`${p} ${p}`);
  return `${lines.join("\n")}\n`;
}

/** The sherpa-onnx VITS metadata (all values are strings in ONNX metadata_props). */
export function toneVitsMetadata(opts: ToneVitsOptions = {}): Record<string, string> {
  const meta: Record<string, string> = {
    model_type: "vits",
    comment: "switchyard demo tone voice", // must not contain piper/coqui/icefall/melo
    language: "English",
    sample_rate: String(opts.sampleRate ?? DEFAULT_SAMPLE_RATE),
    n_speakers: "1",
    add_blank: "0",
    punctuation: PUNCTUATION,
  };
  if (opts.frontend === "characters") {
    meta.frontend = "characters";
    meta.use_eos_bos = "0"; // its default 1 would add token 0 at both ends of every sentence
  }
  return meta;
}

const i64 = (...v: number[]) => BigInt64Array.from(v.map(BigInt));
const f32 = (...v: number[]) => Float32Array.from(v);

/** Builds the ONNX model bytes. */
export function buildToneVitsModel(opts: ToneVitsOptions = {}): Uint8Array {
  const sampleRate = opts.sampleRate ?? DEFAULT_SAMPLE_RATE;
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192_000) {
    throw new RangeError(`sampleRate must be an integer in [8000, 192000], got ${sampleRate}`);
  }
  const perToken = Math.round((opts.secondsPerToken ?? DEFAULT_SECONDS_PER_TOKEN) * sampleRate);
  if (!(perToken >= 16)) throw new RangeError("secondsPerToken is too short");
  const ramp = Math.max(1, Math.round(sampleRate * 0.005)); // 5 ms fade in/out against clicks
  const { freq, amp } = toneTable();

  const initializers: OnnxTensor[] = [
    { name: "freq_table", dims: [freq.length], data: freq },
    { name: "amp_table", dims: [amp.length], data: amp },
    { name: "samples_per_token", dims: [1], data: f32(perToken) },
    { name: "min_len", dims: [], data: f32(1) },
    { name: "max_len", dims: [], data: f32(perToken * MAX_LENGTH_SCALE) },
    { name: "one_f", dims: [1], data: f32(1) },
    { name: "ramp", dims: [1], data: f32(ramp) },
    { name: "rad_per_hz_sample", dims: [1], data: f32((2 * Math.PI) / sampleRate) },
    { name: "zero_i", dims: [], data: i64(0) },
    { name: "one_i", dims: [], data: i64(1) },
    { name: "flat_shape", dims: [1], data: i64(-1) },
    { name: "scalar_shape", dims: [0], data: i64() },
    { name: "y_shape", dims: [3], data: i64(1, 1, -1) },
  ];

  const n = (op: string, inputs: string[], output: string, attrs?: OnnxNode["attrs"]): OnnxNode =>
    attrs ? { op, inputs, outputs: [output], attrs } : { op, inputs, outputs: [output] };
  const nodes: OnnxNode[] = [
    // samples per token for this call: clip(floor(length_scale * perToken), 1, max)
    n("Mul", ["length_scale", "samples_per_token"], "len_raw"),
    n("Floor", ["len_raw"], "len_floor"),
    n("Clip", ["len_floor", "min_len", "max_len"], "len_f"), // float [1]
    n("Cast", ["len_f"], "len_i", { to: { i: ElemType.INT64 } }), // int64 [1]
    // sample index → token index and position inside the token
    n("Reshape", ["x", "flat_shape"], "x_flat"), // [T]
    n("Shape", ["x_flat"], "num_tokens"), // [1]
    n("Mul", ["num_tokens", "len_i"], "total"), // [1]
    n("Reshape", ["total", "scalar_shape"], "total_scalar"), // []
    n("Range", ["zero_i", "total_scalar", "one_i"], "idx"), // [S]
    n("Div", ["idx", "len_i"], "tok_idx"), // non-negative: truncation = floor
    n("Mod", ["idx", "len_i"], "pos_i"),
    n("Gather", ["x_flat", "tok_idx"], "token_id", { axis: { i: 0 } }),
    n("Gather", ["freq_table", "token_id"], "freq", { axis: { i: 0 } }),
    n("Gather", ["amp_table", "token_id"], "amp", { axis: { i: 0 } }),
    // sin(2π f pos / sr), faded in and out over `ramp` samples
    n("Cast", ["pos_i"], "pos", { to: { i: ElemType.FLOAT } }),
    n("Mul", ["pos", "freq"], "cycles"),
    n("Mul", ["cycles", "rad_per_hz_sample"], "phase"),
    n("Sin", ["phase"], "wave"),
    n("Sub", ["len_f", "pos"], "left"),
    n("Div", ["pos", "ramp"], "fade_in"),
    n("Div", ["left", "ramp"], "fade_out"),
    { op: "Min", inputs: ["fade_in", "fade_out", "one_f"], outputs: ["envelope"] },
    n("Mul", ["wave", "amp"], "loud"),
    n("Mul", ["loud", "envelope"], "y_flat"),
    n("Reshape", ["y_flat", "y_shape"], "y"),
  ];

  return encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: "switchyard-demo-voice",
    graphName: "tone_vits",
    nodes,
    initializers,
    inputs: [
      { name: "x", elemType: ElemType.INT64, shape: [1, "T"] },
      { name: "x_length", elemType: ElemType.INT64, shape: [1] },
      { name: "noise_scale", elemType: ElemType.FLOAT, shape: [1] },
      { name: "length_scale", elemType: ElemType.FLOAT, shape: [1] },
      { name: "noise_scale_w", elemType: ElemType.FLOAT, shape: [1] },
    ],
    outputs: [{ name: "y", elemType: ElemType.FLOAT, shape: [1, 1, "S"] }],
    metadata: toneVitsMetadata({ ...opts, sampleRate }),
  });
}

/** Samples the model produces for `numTokens` tokens at `speed` (mirrors the graph). */
export function expectedSampleCount(numTokens: number, speed = 1, opts: ToneVitsOptions = {}): number {
  const sampleRate = opts.sampleRate ?? DEFAULT_SAMPLE_RATE;
  const perToken = Math.round((opts.secondsPerToken ?? DEFAULT_SECONDS_PER_TOKEN) * sampleRate);
  const lengthScale = Math.fround(speed !== 1 && speed > 0 ? 1 / speed : 1);
  const len = Math.min(Math.max(Math.floor(Math.fround(lengthScale * perToken)), 1), perToken * MAX_LENGTH_SCALE);
  return numTokens * len;
}
