/** @module validate-gguf — rejects GGUF files that would make llama.cpp abort the whole process. */
import {
  GgufFormatError,
  type GgufHeader,
  type GgufScalar,
  type GgufValue,
  readGgufHeader,
} from "./gguf-reader.ts";

/** What a worker needs to know about a model before (and without) loading it. */
export interface GgufSummary {
  architecture: string;
  contextLength: number;
  name?: string;
  chatTemplate?: string;
  tokenCount: number;
  fileBytes: number;
  /** Length of the model's hidden state: `<arch>.embedding_length_out` where given, else `<arch>.embedding_length`. */
  embeddingLength: number;
  /** `<arch>.pooling_type` as llama.cpp numbers it (0 none, 1 mean, 2 cls, 3 last, 4 rank); undefined when absent. */
  poolingType?: number;
  /** `<arch>.attention.causal`; absent means causal, as llama.cpp reads it. */
  causal: boolean;
}

/** The file would not load safely; `reason` says why in words fit for a log or an API error. */
export class GgufValidationError extends Error {
  override readonly name = "GgufValidationError";
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid GGUF ${path}: ${reason}`, options);
    this.reason = reason;
  }
}

/** [type size in bytes, block size in elements] for each ggml type we know (ggml.c type_traits). */
const GGML_TYPE_SIZES: Readonly<Record<number, readonly [number, number]>> = {
  0: [4, 1], // F32
  1: [2, 1], // F16
  2: [18, 32], // Q4_0
  3: [20, 32], // Q4_1
  6: [22, 32], // Q5_0
  7: [24, 32], // Q5_1
  8: [34, 32], // Q8_0
  9: [36, 32], // Q8_1
  10: [84, 256], // Q2_K
  11: [110, 256], // Q3_K
  12: [144, 256], // Q4_K
  13: [176, 256], // Q5_K
  14: [210, 256], // Q6_K
  15: [292, 256], // Q8_K
  16: [66, 256], // IQ2_XXS
  17: [74, 256], // IQ2_XS
  18: [98, 256], // IQ3_XXS
  19: [50, 256], // IQ1_S
  20: [18, 32], // IQ4_NL
  21: [110, 256], // IQ3_S
  22: [82, 256], // IQ2_S
  23: [136, 256], // IQ4_XS
  24: [1, 1], // I8
  25: [2, 1], // I16
  26: [4, 1], // I32
  27: [8, 1], // I64
  28: [8, 1], // F64
  29: [56, 256], // IQ1_M
  30: [2, 1], // BF16
  34: [54, 256], // TQ1_0
  35: [66, 256], // TQ2_0
  39: [17, 32], // MXFP4
};

/**
 * Hyperparameters llama.cpp reads for every architecture; a missing one ends in a
 * GGML_ASSERT (process abort) rather than a load error we could catch.
 */
const REQUIRED_POSITIVE = [
  "context_length",
  "embedding_length",
  "block_count",
  "feed_forward_length",
  "attention.head_count",
] as const;

export async function validateGguf(path: string): Promise<GgufSummary> {
  let header: GgufHeader;
  try {
    header = await readGgufHeader(path);
  } catch (error) {
    if (error instanceof GgufFormatError) throw new GgufValidationError(path, error.message, { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    throw new GgufValidationError(path, `cannot read file: ${message}`, { cause: error });
  }
  const fail = (reason: string): never => {
    throw new GgufValidationError(path, reason);
  };
  const meta = header.metadata;

  const architecture = meta.get("general.architecture");
  if (typeof architecture !== "string" || architecture === "") {
    return fail("general.architecture is missing");
  }
  for (const suffix of REQUIRED_POSITIVE) {
    const key = `${architecture}.${suffix}`;
    const problem = positiveProblem(meta.get(key));
    if (problem) fail(`${key} ${problem}`);
  }
  const contextLength = Number(meta.get(`${architecture}.context_length`));

  const tokens = meta.get("tokenizer.ggml.tokens");
  if (!isArrayValue(tokens) || tokens.length === 0 || typeof tokens[0] !== "string") {
    return fail("tokenizer.ggml.tokens is missing or empty");
  }
  // llama.cpp indexes these by token id without checking their length.
  for (const key of ["tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
    const arr = meta.get(key);
    if (arr !== undefined && (!isArrayValue(arr) || arr.length !== tokens.length)) {
      fail(`${key} must be an array of ${tokens.length} items`);
    }
  }

  checkTensors(header, fail);

  const name = meta.get("general.name");
  const chatTemplate = meta.get("tokenizer.chat_template");
  const embeddingOut = integer(meta.get(`${architecture}.embedding_length_out`));
  const pooling = integer(meta.get(`${architecture}.pooling_type`));
  return {
    architecture,
    contextLength,
    ...(typeof name === "string" ? { name } : {}),
    ...(typeof chatTemplate === "string" ? { chatTemplate } : {}),
    tokenCount: tokens.length,
    fileBytes: header.fileBytes,
    embeddingLength: embeddingOut !== undefined && embeddingOut > 0 ? embeddingOut : Number(meta.get(`${architecture}.embedding_length`)),
    ...(pooling !== undefined ? { poolingType: pooling } : {}),
    causal: meta.get(`${architecture}.attention.causal`) !== false,
  };
}

/** A scalar integer of any width (u32, i32, u64…) as a number; undefined when absent or not one. */
function integer(value: GgufValue | undefined): number | undefined {
  return typeof value === "number" || typeof value === "bigint" ? Number(value) : undefined;
}

function isArrayValue(value: GgufValue | undefined): value is Extract<GgufValue, readonly unknown[]> {
  return Array.isArray(value);
}

/** A per-layer array is allowed (some archs vary heads per layer); zeros mark non-attention layers. */
function positiveProblem(value: GgufValue | undefined): string | undefined {
  if (value === undefined) return "is missing";
  if (typeof value === "number" || typeof value === "bigint") {
    return Number(value) > 0 && Number.isFinite(Number(value)) ? undefined : `must be positive, got ${value}`;
  }
  if (isArrayValue(value) && value.length > 0) {
    const items: readonly GgufScalar[] = value;
    const nums = items.map((v) => (typeof v === "number" || typeof v === "bigint" ? Number(v) : Number.NaN));
    if (nums.every((n) => Number.isFinite(n) && n >= 0) && nums.some((n) => n > 0)) return undefined;
  }
  return "must be a positive integer";
}

function checkTensors(header: GgufHeader, fail: (reason: string) => never): void {
  for (const t of header.tensors) {
    if (t.offset % header.alignment !== 0) {
      fail(`tensor ${t.name} offset ${t.offset} is not aligned to ${header.alignment}`);
    }
    const start = header.dataOffset + t.offset;
    if (start > header.fileBytes) {
      fail(`file truncated: tensor ${t.name} starts at ${start}, file is ${header.fileBytes} bytes`);
    }
    const sizes = GGML_TYPE_SIZES[t.type];
    // Types newer than this table are left to llama.cpp, which rejects unknown ones cleanly.
    if (!sizes) continue;
    const [typeSize, blockSize] = sizes;
    const inner = t.dims[0] ?? 1;
    if (inner % blockSize !== 0) {
      fail(`tensor ${t.name}: first dimension ${inner} is not a multiple of block size ${blockSize}`);
    }
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const end = start + (elements / blockSize) * typeSize;
    if (end > header.fileBytes) {
      fail(`file truncated: tensor ${t.name} ends at ${end}, file is ${header.fileBytes} bytes`);
    }
  }
}
