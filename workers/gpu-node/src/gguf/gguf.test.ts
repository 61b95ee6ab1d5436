/** @module gguf.test — GGUF writer/reader round trip and the validator's refusals. */
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyLlamaGguf, tinyLlamaGgufInput } from "../demo-model/tiny-llama.ts";
import { GgufFormatError, readGgufHeader } from "./gguf-reader.ts";
import { gv, writeGguf } from "./gguf-writer.ts";
import { GgufValidationError, validateGguf } from "./validate-gguf.ts";

let dir = "";
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gguf-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `f${counter++}.gguf`);
  await writeFile(path, bytes);
  return path;
}

/** The tiny model with one metadata key left out. */
function tinyWithout(key: string): Uint8Array {
  const input = tinyLlamaGgufInput({ seed: 3 });
  return writeGguf({ ...input, metadata: input.metadata.filter(([k]) => k !== key) });
}

async function rejection(path: string): Promise<GgufValidationError> {
  const error = await validateGguf(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GgufValidationError);
  return error as GgufValidationError;
}

describe("gguf writer → reader", () => {
  it("round-trips metadata of every type and tensor infos", async () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([-1.5, 0.25, 7]);
    const path = await fileWith(
      writeGguf({
        metadata: [
          ["u32", gv.u32(4_000_000_000)],
          ["i32", gv.i32(-7)],
          ["f32", gv.f32(0.5)],
          ["u64", gv.u64(2n ** 40n)],
          ["yes", gv.bool(true)],
          ["no", gv.bool(false)],
          ["s", gv.str("héllo ▁world")],
          ["strs", gv.strs(["a", "", "<0x0A>"])],
          ["f32s", gv.f32s([0.5, -2])],
          ["i32s", gv.i32s([-1, 6])],
        ],
        tensors: [
          { name: "a", dims: [3, 2], data: a },
          { name: "b", dims: [3], data: b },
        ],
      }),
    );
    const h = await readGgufHeader(path);
    expect(h.version).toBe(3);
    expect(Object.fromEntries(h.metadata)).toEqual({
      u32: 4_000_000_000,
      i32: -7,
      f32: 0.5,
      u64: 2n ** 40n,
      yes: true,
      no: false,
      s: "héllo ▁world",
      strs: ["a", "", "<0x0A>"],
      f32s: [0.5, -2],
      i32s: [-1, 6],
      "general.alignment": 32,
    });
    expect(h.metadataTypes.get("strs")).toBe("array<string>");
    expect(h.metadataTypes.get("u64")).toBe("uint64");
    expect(h.alignment).toBe(32);
    expect(h.dataOffset % 32).toBe(0);
    expect(h.tensors).toEqual([
      { name: "a", dims: [3, 2], type: 0, offset: 0 },
      { name: "b", dims: [3], type: 0, offset: 32 },
    ]);

    // Tensor bytes sit where the infos say they do.
    const fh = await open(path, "r");
    const buf = Buffer.alloc(12);
    await fh.read(buf, 0, 12, h.dataOffset + 32);
    await fh.close();
    expect([buf.readFloatLE(0), buf.readFloatLE(4), buf.readFloatLE(8)]).toEqual([-1.5, 0.25, 7]);
  });

  it("caps absurd counts and lengths instead of allocating", async () => {
    const header = Buffer.alloc(64);
    header.write("GGUF", 0, "latin1");
    header.writeUInt32LE(3, 4);
    header.writeBigUInt64LE(0n, 8);
    header.writeBigUInt64LE(2n ** 62n, 16);
    await expect(readGgufHeader(await fileWith(header))).rejects.toThrow(/metadata count .* exceeds/);

    header.writeBigUInt64LE(1n, 16);
    header.writeBigUInt64LE(2n ** 50n, 24); // key length
    await expect(readGgufHeader(await fileWith(header))).rejects.toThrow(GgufFormatError);
  });

  it("stops at the header size limit", async () => {
    const path = await fileWith(buildTinyLlamaGguf({ seed: 3 }));
    await expect(readGgufHeader(path, { maxHeaderBytes: 1000 })).rejects.toThrow(/1000-byte limit/);
  });

  it("names a big-endian file as such", async () => {
    const header = Buffer.alloc(32);
    header.write("GGUF", 0, "latin1");
    header.writeUInt32BE(3, 4);
    await expect(readGgufHeader(await fileWith(header))).rejects.toThrow(/big-endian/);
  });
});

describe("validateGguf", () => {
  it("accepts the tiny model and summarises it", async () => {
    const bytes = buildTinyLlamaGguf({ seed: 3, name: "tiny", contextLength: 1024 });
    const summary = await validateGguf(await fileWith(bytes));
    expect(summary).toMatchObject({
      architecture: "llama",
      contextLength: 1024,
      name: "tiny",
      fileBytes: bytes.length,
      embeddingLength: 64,
      poolingType: 1,
      causal: true,
    });
    expect(summary.chatTemplate).toContain("<|im_start|>");
    expect(summary.tokenCount).toBeGreaterThan(256);
    expect((await validateGguf(await fileWith(buildTinyLlamaGguf({ seed: 3, pooling: "none" })))).poolingType).toBeUndefined();
  });

  it("rejects a file truncated inside the tensor data", async () => {
    const bytes = buildTinyLlamaGguf({ seed: 3 });
    const e = await rejection(await fileWith(bytes.subarray(0, bytes.length - 100)));
    expect(e.reason).toMatch(/truncated: tensor .* ends at/);
  });

  it("rejects a file truncated inside the header", async () => {
    const e = await rejection(await fileWith(buildTinyLlamaGguf({ seed: 3 }).subarray(0, 3000)));
    expect(e.reason).toMatch(/truncated/);
    expect(e.cause).toBeInstanceOf(GgufFormatError);
  });

  it("rejects a wrong magic", async () => {
    const bytes = buildTinyLlamaGguf({ seed: 3 });
    bytes.set([0x47, 0x47, 0x4d, 0x4c], 0); // "GGML"
    expect((await rejection(await fileWith(bytes))).reason).toMatch(/bad magic/);
  });

  it("rejects a model without llama.feed_forward_length", async () => {
    const e = await rejection(await fileWith(tinyWithout("llama.feed_forward_length")));
    expect(e.reason).toBe("llama.feed_forward_length is missing");
  });

  it("rejects a model without llama.attention.head_count", async () => {
    const e = await rejection(await fileWith(tinyWithout("llama.attention.head_count")));
    expect(e.reason).toBe("llama.attention.head_count is missing");
  });

  it("rejects a model without general.architecture or tokens", async () => {
    expect((await rejection(await fileWith(tinyWithout("general.architecture")))).reason).toMatch(
      /general.architecture/,
    );
    expect((await rejection(await fileWith(tinyWithout("tokenizer.ggml.tokens")))).reason).toMatch(
      /tokenizer.ggml.tokens/,
    );
  });

  it("rejects a zero hyperparameter", async () => {
    const input = tinyLlamaGgufInput({ seed: 3 });
    const metadata = input.metadata.map(([k, v]) =>
      k === "llama.block_count" ? ([k, gv.u32(0)] as const) : ([k, v] as const),
    );
    const e = await rejection(await fileWith(writeGguf({ ...input, metadata })));
    expect(e.reason).toMatch(/llama.block_count must be positive/);
  });

  it("rejects garbage, empty files and missing files without crashing", async () => {
    let state = 12345;
    const garbage = new Uint8Array(8192).map(() => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state >>> 24;
    });
    expect((await rejection(await fileWith(garbage))).reason).toMatch(/magic/);
    // A valid preamble followed by garbage must also fail cleanly, whatever the bytes say.
    const preamble = buildTinyLlamaGguf({ seed: 3 }).slice(0, 24);
    const tail = new Uint8Array(preamble.length + garbage.length);
    tail.set(preamble);
    tail.set(garbage, preamble.length);
    await rejection(await fileWith(tail));
    expect((await rejection(await fileWith(new Uint8Array(0)))).reason).toMatch(/too short/);
    expect((await rejection(join(dir, "nope.gguf"))).reason).toMatch(/cannot read file/);
  });

  it("answers every corruption of the header with a result or a GgufValidationError", async () => {
    const good = buildTinyLlamaGguf({ seed: 3 });
    const headerBytes = (await readGgufHeader(await fileWith(good))).dataOffset;
    let state = 99;
    const next = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % n;
    };
    const path = join(dir, "fuzz.gguf");
    for (let round = 0; round < 150; round++) {
      const bytes = good.slice();
      for (let k = 0; k < 3; k++) bytes[next(headerBytes)] = next(256);
      await writeFile(path, bytes);
      await validateGguf(path).catch((e: unknown) => expect(e).toBeInstanceOf(GgufValidationError));
    }
  });
});
