import { describe, expect, it } from "vitest";
import { bytesToFloat32, decodeEmbedChunk, decodeEmbedRequest, encodeEmbedChunk, encodeEmbedRequest, float32Bytes, vectorsPerChunk } from "./embed-codec.ts";

const MB = 1024 * 1024;

describe("embed codec", () => {
  it("round-trips a request with texts or token arrays", () => {
    const base = { requestId: "r1", model: "m", dimensions: 0, deadlineUnixMs: 1.5e12, streamSubject: "_INBOX.x" };
    const texts = decodeEmbedRequest(encodeEmbedRequest({ ...base, texts: ["a", "b"], tokenInputs: [] }));
    expect(texts.texts).toEqual(["a", "b"]);
    const tokens = decodeEmbedRequest(encodeEmbedRequest({ ...base, texts: [], tokenInputs: [{ tokens: [1, 2, 3] }, { tokens: [4] }] }));
    expect(tokens.tokenInputs.map((t) => t.tokens)).toEqual([[1, 2, 3], [4]]);
  });

  it("carries vectors as little-endian float32 bytes, exactly", () => {
    const v = Float32Array.from([0.1, -2.5, 3e-8, 1]);
    const chunk = decodeEmbedChunk(encodeEmbedChunk("r", 1, { case: "vectors", value: { vectors: [{ index: 3, values: float32Bytes(v) }] } }));
    if (chunk.kind.case !== "vectors") throw new Error(`expected vectors, got ${chunk.kind.case}`);
    const got = chunk.kind.value.vectors[0]!;
    expect(got.index).toBe(3);
    expect([...bytesToFloat32(got.values)]).toEqual([...v]);
    expect(new DataView(got.values.buffer, got.values.byteOffset).getFloat32(4, true)).toBe(-2.5);
  });

  it("reads vectors that sit at an unaligned offset", () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setFloat32(1, 1.25, true);
    new DataView(bytes.buffer).setFloat32(5, -4, true);
    expect([...bytesToFloat32(bytes.subarray(1))]).toEqual([1.25, -4]);
    // NATS hands over Node Buffers, whose slice() is a view, not a copy.
    const pooled = Buffer.concat([Buffer.alloc(1), Buffer.from(bytes.subarray(1))]);
    expect([...bytesToFloat32(pooled.subarray(1))]).toEqual([1.25, -4]);
  });

  it("sizes chunks so 64 vectors of 4096 floats stay under a 1 MB bus payload", () => {
    const per = vectorsPerChunk(MB, 4096);
    expect(per).toBeGreaterThan(0);
    expect(per).toBeLessThan(64);
    const values = float32Bytes(new Float32Array(4096).fill(0.5));
    const vectors = Array.from({ length: per }, (_, i) => ({ index: 60_000 + i, values }));
    const encoded = encodeEmbedChunk("a-request-id-of-a-usual-length-0123456789", 4_000_000, { case: "vectors", value: { vectors } });
    expect(encoded.byteLength).toBeLessThanOrEqual(MB);
    expect(encoded.byteLength).toBeGreaterThan(MB - 2 * (4096 * 4));
  });
});
