/** @module embed.test — input checks and vectors on the generated model's real embedding context. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, type Llama, type LlamaEmbeddingContext, type LlamaModel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TINY_LLAMA_SHAPE, writeTinyLlamaGguf } from "./demo-model/tiny-llama.ts";
import { embedAll, normalized, prepareInputs } from "./embed.ts";
import { ModelError } from "./model-catalog.ts";

const CONTEXT = 256;
let dir = "";
let llama: Llama;
let model: LlamaModel;
let embedding: LlamaEmbeddingContext;
let limits: { contextWindow: number; vocabSize: number };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "embed-"));
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1 });
  model = await llama.loadModel({ modelPath: await writeTinyLlamaGguf(join(dir, "tiny.gguf"), { seed: 42 }) });
  embedding = await model.createEmbeddingContext({ contextSize: CONTEXT, batchSize: CONTEXT, threads: 1 });
  limits = { contextWindow: CONTEXT, vocabSize: model.fileInfo.metadata.tokenizer.ggml.tokens.length };
}, 60_000);

afterAll(async () => {
  await embedding?.dispose();
  await model?.dispose();
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const texts = (...t: string[]) => ({ texts: t, tokenInputs: [] });
const tokens = (...t: number[][]) => ({ texts: [], tokenInputs: t.map((x) => ({ tokens: x })) });

function refusal(run: () => unknown): ModelError {
  try {
    run();
  } catch (err) {
    if (err instanceof ModelError) return err;
    throw err;
  }
  throw new Error("expected a ModelError");
}

async function vectors(inputs: number[][] | string[], dimensions = 0): Promise<Float32Array[]> {
  const prepared = prepareInputs(embedding, typeof inputs[0] === "string" ? texts(...(inputs as string[])) : tokens(...(inputs as number[][])), limits);
  const out: Float32Array[] = [];
  await embedAll(embedding, prepared.tokens, dimensions, new AbortController().signal, (i, v) => {
    out[i] = v;
  });
  return out;
}

describe("prepareInputs", () => {
  it("counts the tokens evaluated, BOS included", () => {
    const text = "hello world";
    expect(prepareInputs(embedding, texts(text, text), limits).promptTokens).toBe(2 * (model.tokenize(text).length + 1));
  });

  it("names the input that is too long for the context", () => {
    const e = refusal(() => prepareInputs(embedding, texts("fine", "the ".repeat(CONTEXT)), limits));
    expect(e).toMatchObject({ status: 400, code: "context_length_exceeded", param: "input[1]" });
    expect(e.message).toContain(`at most ${CONTEXT - 1} tokens`);
  });

  it("refuses token ids outside the vocabulary, and empty inputs", () => {
    expect(refusal(() => prepareInputs(embedding, tokens([5, 6], [limits.vocabSize]), limits))).toMatchObject({ status: 400, param: "input[1]" });
    expect(refusal(() => prepareInputs(embedding, tokens([]), limits))).toMatchObject({ status: 400, param: "input[0]" });
    expect(refusal(() => prepareInputs(embedding, texts(), limits))).toMatchObject({ status: 400, param: "input" });
  });
});

describe("embedAll", () => {
  it("gives unit vectors of the model's size, the same for the same input, and for its tokens", async () => {
    const [a, b, again] = await vectors(["hello world", "the water is fast", "hello world"]);
    expect(a).toHaveLength(TINY_LLAMA_SHAPE.embedding);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect([...again!]).toEqual([...a!]);
    expect([...b!]).not.toEqual([...a!]);
    const [fromTokens] = await vectors([model.tokenize("hello world")]);
    expect([...fromTokens!]).toEqual([...a!]);
  });

  it("truncates to the dimensions asked for and renormalizes", async () => {
    const full = (await vectors(["hello world"]))[0]!;
    const short = (await vectors(["hello world"], 16))[0]!;
    expect(short).toHaveLength(16);
    expect(Math.hypot(...short)).toBeCloseTo(1, 5);
    const ratio = short[3]! / full[3]!;
    for (let i = 0; i < 16; i++) expect(short[i]).toBeCloseTo(full[i]! * ratio, 5);
  });

  it("stops between inputs once cancelled", async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const prepared = prepareInputs(embedding, texts("a b", "c d", "e f", "g h"), limits);
    await embedAll(embedding, prepared.tokens, 0, abort.signal, (i) => {
      seen.push(i);
      if (i === 1) abort.abort();
    });
    expect(seen).toEqual([0, 1]);
  });
});

describe("normalized", () => {
  it("leaves a zero vector zero", () => {
    expect([...normalized([0, 0, 0], 0)]).toEqual([0, 0, 0]);
  });
});
