/** @module tiny-llama — generates a deterministic ~0.5 MB llama-architecture GGUF that llama.cpp can run. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type GgufWriteInput, type GgufWriteTensor, gv, writeGguf } from "../gguf/gguf-writer.ts";

export interface TinyLlamaOptions {
  seed?: number;
  contextLength?: number;
  name?: string;
  /** How hidden states pool into an embedding (default "mean"); "none" makes a chat-only model. */
  pooling?: "mean" | "cls" | "last" | "none";
}

/** llama.cpp's numbers for `<arch>.pooling_type`. */
const POOLING_TYPES = { none: 0, mean: 1, cls: 2, last: 3 } as const;

/** File name of the demo model in a models folder. */
export const DEMO_MODEL_FILE = "demo-tiny.gguf";

/**
 * The models folder `npm start` reads, and so where `npm run make-demo-model` writes:
 * MODELS_DIR, else $SWITCHYARD_DATA_DIR/models, else ./.switchyard/models.
 */
export function defaultModelsDir(env: Record<string, string | undefined>): string {
  if (env.MODELS_DIR) return env.MODELS_DIR;
  const data = env.SWITCHYARD_DATA_DIR && env.SWITCHYARD_DATA_DIR !== "memory" ? env.SWITCHYARD_DATA_DIR : "./.switchyard";
  return `${data.replace(/\/+$/, "")}/models`;
}

/** Shapes chosen to land near 0.5 MB of F32 while still exercising attention and the FFN. */
export const TINY_LLAMA_SHAPE = {
  embedding: 64,
  blocks: 2,
  feedForward: 96,
  heads: 4,
  headsKv: 4,
} as const;

/** The standard ChatML template; llama.cpp and node-llama-cpp both recognise it as ChatML. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;
const SPACE = "\u2581"; // SentencePiece's visible space marker.

const WORDS = (
  "the of and to a in is it you that he was for on are with as I his they be at one have this " +
  "from or had by hot word but what some we can out other were all there when up use your how " +
  "said an each she which do their time if will way about many then them write would like so " +
  "these her long make thing see him two has look more day could go come did number sound no " +
  "most people my over know water than call first who may down side been now find hello world " +
  "gateway switch yard model token stream fast small test"
).split(" ");
const PUNCTUATION = [".", ",", "!", "?", "'", "-", ":", ";", "(", ")", '"'];

interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
  /** Preference added through the constant channel: 0 = free, negative = discouraged or banned. */
  bias: number[];
}

/** Logit bias weights, multiplied by the constant channel (~6 after the final RMS norm). */
const BANNED = -12;
const DISCOURAGED = -0.6;

function buildVocab(): Vocab {
  const v: Vocab = { tokens: [], scores: [], types: [], bias: [] };
  const seen = new Set<string>();
  const add = (token: string, type: number, score: number, bias: number): void => {
    if (seen.has(token)) return;
    seen.add(token);
    v.tokens.push(token);
    v.types.push(type);
    v.scores.push(score);
    v.bias.push(bias);
  };
  add("<unk>", TOKEN_UNKNOWN, 0, BANNED);
  add("<s>", TOKEN_CONTROL, 0, BANNED);
  add("</s>", TOKEN_CONTROL, 0, BANNED);
  // Byte fallback lets the tokenizer encode any input; as output they would be junk or partial UTF-8.
  for (let b = 0; b < 256; b++) {
    add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, TOKEN_BYTE, 0, BANNED);
  }
  // SentencePiece merges bigrams only into pieces that exist, so every prefix of a word is a piece;
  // longer pieces score higher so whole words win. Output favours whole words for readable text.
  const chars = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", ...PUNCTUATION];
  add(SPACE, TOKEN_NORMAL, -1, DISCOURAGED * 4);
  for (const ch of chars) add(ch, TOKEN_NORMAL, -1, DISCOURAGED * 3);
  for (const word of WORDS) {
    const piece = SPACE + word;
    for (let len = 2; len < piece.length; len++) add(piece.slice(0, len), TOKEN_NORMAL, len - 1, DISCOURAGED);
  }
  for (const word of WORDS) add(SPACE + word, TOKEN_NORMAL, word.length + 1, 0);
  for (const p of PUNCTUATION) v.bias[v.tokens.indexOf(p)] = DISCOURAGED;
  add("<|im_start|>", TOKEN_CONTROL, 0, BANNED);
  add("<|im_end|>", TOKEN_CONTROL, 0, BANNED);
  return v;
}

/** mulberry32: tiny, fast, and the same on every platform, unlike Math.random. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The model as writer input, so tests can alter metadata before serialising. */
export function tinyLlamaGgufInput(options: TinyLlamaOptions = {}): GgufWriteInput {
  const seed = options.seed ?? 42;
  const contextLength = options.contextLength ?? 2048;
  const name = options.name ?? "switchyard-demo-tiny";
  const pooling = options.pooling ?? "mean";
  const { embedding: E, blocks, feedForward: F, heads, headsKv } = TINY_LLAMA_SHAPE;
  const headDim = E / heads;
  const kvDim = headDim * headsKv;
  const vocab = buildVocab();
  const V = vocab.tokens.length;
  const rand = mulberry32(seed);
  const uniform = (n: number, scale: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
    return out;
  };
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  /** A matrix stored as ne = [cols, rows]; zeroing row 0 keeps writes off the constant channel. */
  const matrix = (cols: number, rows: number, scale: number, zeroRow0: boolean): Float32Array => {
    const m = uniform(cols * rows, scale);
    if (zeroRow0) m.fill(0, 0, cols);
    return m;
  };

  // Channel 0 of every embedding is 1 and no layer writes to it, so after the final RMS norm
  // it is a steady positive component: its output weight acts as a per-token logit bias.
  const tokenEmbd = uniform(V * E, 0.2);
  for (let t = 0; t < V; t++) tokenEmbd[t * E] = 1;
  const output = uniform(V * E, 0.45);
  for (let t = 0; t < V; t++) output[t * E] = vocab.bias[t] ?? 0;

  const tensors: GgufWriteTensor[] = [
    { name: "token_embd.weight", dims: [E, V], data: tokenEmbd },
    { name: "output_norm.weight", dims: [E], data: ones(E) },
    { name: "output.weight", dims: [E, V], data: output },
  ];
  const projScale = Math.sqrt(3 / E);
  for (let b = 0; b < blocks; b++) {
    const p = `blk.${b}`;
    tensors.push(
      { name: `${p}.attn_norm.weight`, dims: [E], data: ones(E) },
      { name: `${p}.attn_q.weight`, dims: [E, E], data: matrix(E, E, projScale, false) },
      { name: `${p}.attn_k.weight`, dims: [E, kvDim], data: matrix(E, kvDim, projScale, false) },
      { name: `${p}.attn_v.weight`, dims: [E, kvDim], data: matrix(E, kvDim, projScale, false) },
      { name: `${p}.attn_output.weight`, dims: [E, E], data: matrix(E, E, 0.05, true) },
      { name: `${p}.ffn_norm.weight`, dims: [E], data: ones(E) },
      { name: `${p}.ffn_gate.weight`, dims: [E, F], data: matrix(E, F, projScale, false) },
      { name: `${p}.ffn_up.weight`, dims: [E, F], data: matrix(E, F, projScale, false) },
      { name: `${p}.ffn_down.weight`, dims: [F, E], data: matrix(F, E, 0.05, true) },
    );
  }

  const id = (token: string): number => vocab.tokens.indexOf(token);
  return {
    metadata: [
      ["general.architecture", gv.str("llama")],
      ["general.name", gv.str(name)],
      ["general.file_type", gv.u32(0)],
      ["llama.vocab_size", gv.u32(V)],
      ["llama.context_length", gv.u32(contextLength)],
      ["llama.embedding_length", gv.u32(E)],
      ["llama.block_count", gv.u32(blocks)],
      ["llama.feed_forward_length", gv.u32(F)],
      ["llama.attention.head_count", gv.u32(heads)],
      ["llama.attention.head_count_kv", gv.u32(headsKv)],
      ["llama.attention.layer_norm_rms_epsilon", gv.f32(1e-5)],
      ["llama.rope.dimension_count", gv.u32(headDim)],
      ["llama.rope.freq_base", gv.f32(10000)],
      // Lets the model embed (mean of its final hidden states over the input). llama.cpp reads the
      // key for every architecture and applies it only to contexts made for embeddings: chat
      // output is the same token for token with or without it.
      ...(pooling === "none" ? [] : ([["llama.pooling_type", gv.u32(POOLING_TYPES[pooling])]] as const)),
      ["tokenizer.ggml.model", gv.str("llama")],
      ["tokenizer.ggml.tokens", gv.strs(vocab.tokens)],
      ["tokenizer.ggml.scores", gv.f32s(vocab.scores)],
      ["tokenizer.ggml.token_type", gv.i32s(vocab.types)],
      ["tokenizer.ggml.unknown_token_id", gv.u32(id("<unk>"))],
      ["tokenizer.ggml.bos_token_id", gv.u32(id("<s>"))],
      ["tokenizer.ggml.eos_token_id", gv.u32(id("</s>"))],
      ["tokenizer.ggml.add_bos_token", gv.bool(true)],
      ["tokenizer.ggml.add_eos_token", gv.bool(false)],
      // Otherwise llama.cpp puts a space after every special token, so ChatML's
      // "<|im_start|>user\n" would tokenize as "<|im_start|> user \n".
      ["tokenizer.ggml.add_space_prefix", gv.bool(false)],
      ["tokenizer.chat_template", gv.str(CHATML_TEMPLATE)],
    ],
    tensors,
  };
}

export function buildTinyLlamaGguf(options: TinyLlamaOptions = {}): Uint8Array {
  return writeGguf(tinyLlamaGgufInput(options));
}

export async function writeTinyLlamaGguf(path: string, options: TinyLlamaOptions = {}): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buildTinyLlamaGguf(options));
  return path;
}
