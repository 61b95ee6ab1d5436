/** @module tiny-llama.test — the generated model loads in real node-llama-cpp and writes printable text. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatMLChatWrapper,
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateGguf } from "../gguf/validate-gguf.ts";
import { buildTinyLlamaGguf, CHATML_TEMPLATE, TINY_LLAMA_SHAPE, writeTinyLlamaGguf } from "./tiny-llama.ts";

let dir = "";
let llama: Llama;
let model: LlamaModel;
let context: LlamaContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tiny-llama-"));
  const modelPath = await writeTinyLlamaGguf(join(dir, "tiny.gguf"), { seed: 42 });
  await validateGguf(modelPath);
  // One thread: on small machines the default thread count is hundreds of times slower.
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1 });
  model = await llama.loadModel({ modelPath });
  context = await model.createContext({ contextSize: 512, threads: 1, flashAttention: false });
}, 60_000);

afterAll(async () => {
  await context?.dispose();
  await model?.dispose();
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function generate(prompt: string, seed: number, count = 64, on = context): Promise<{ tokens: Token[]; text: string }> {
  const seq = on.getSequence();
  try {
    const tokens: Token[] = [];
    for await (const token of seq.evaluate(on.model.tokenize(prompt), { temperature: 0.8, seed })) {
      tokens.push(token);
      if (tokens.length >= count) break;
    }
    return { tokens, text: on.model.detokenize(tokens) };
  } finally {
    seq.dispose();
  }
}

describe("tiny llama GGUF", () => {
  it("is deterministic from its seed and about half a megabyte", () => {
    // Buffer.equals, because a deep toEqual over 0.5 MB takes seconds.
    const a = Buffer.from(buildTinyLlamaGguf({ seed: 5 }));
    expect(a.equals(buildTinyLlamaGguf({ seed: 5 }))).toBe(true);
    expect(a.equals(buildTinyLlamaGguf({ seed: 6 }))).toBe(false);
    expect(a.length).toBeGreaterThan(300_000);
    expect(a.length).toBeLessThan(1_000_000);
  });

  it("generates 64 printable tokens without an end token", async () => {
    const { tokens, text } = await generate("Hello world, the gateway", 1);
    expect(tokens).toHaveLength(64);
    expect(tokens.some((t) => model.isEogToken(t))).toBe(false);
    expect(text.trim().length).toBeGreaterThan(0);
    expect(text).toMatch(/^[\x20-\x7e]+$/);
    expect(new Set(tokens).size).toBeGreaterThan(8);
  });

  it("repeats itself for the same seed and varies with another", async () => {
    const first = await generate("Hello world, the gateway", 7);
    const again = await generate("Hello world, the gateway", 7);
    const other = await generate("Hello world, the gateway", 8);
    expect(again.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });

  it("carries a ChatML template that renders and tokenizes to control tokens", () => {
    expect(model.fileInfo.metadata.tokenizer.chat_template).toBe(CHATML_TEMPLATE);
    const wrapper = resolveChatWrapper(model);
    expect(wrapper).toBeInstanceOf(ChatMLChatWrapper);
    const { contextText } = wrapper.generateContextState({
      chatHistory: [
        { type: "user", text: "hi" },
        { type: "model", response: [] },
      ],
    });
    const rendered = contextText.tokenize(model.tokenizer);
    const imStart = model.tokenize("<|im_start|>", true);
    expect(imStart).toHaveLength(1);
    expect(rendered.filter((t) => t === imStart[0]).length).toBeGreaterThanOrEqual(2);
    expect(model.detokenize(rendered, true)).toContain("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  });

  it("embeds (mean pooling), and the pooling key leaves chat output as it was", async () => {
    const embedding = await model.createEmbeddingContext({ contextSize: 512, threads: 1 });
    try {
      const a = await embedding.getEmbeddingFor("hello world");
      const again = await embedding.getEmbeddingFor("hello world");
      const other = await embedding.getEmbeddingFor("the water is fast");
      expect(a.vector).toHaveLength(TINY_LLAMA_SHAPE.embedding);
      expect(again.vector).toEqual(a.vector);
      expect(other.vector).not.toEqual(a.vector);
    } finally {
      await embedding.dispose();
    }
    const plain = await llama.loadModel({ modelPath: await writeTinyLlamaGguf(join(dir, "chat-only.gguf"), { seed: 42, pooling: "none" }) });
    const plainContext = await plain.createContext({ contextSize: 512, threads: 1, flashAttention: false });
    try {
      expect((await generate("Hello world, the gateway", 7, 32, plainContext)).text).toBe((await generate("Hello world, the gateway", 7, 32)).text);
    } finally {
      await plainContext.dispose();
      await plain.dispose();
    }
  });
});
