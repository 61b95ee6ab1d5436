import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { bytesToFloat32, decodeEmbedChunk, type EmbedChunk, vectorsPerChunk } from "@switchyard/shared/codec/embed-codec";
import { describe, expect, it } from "vitest";
import { EmbedSender } from "./embed-sender.ts";

const DIMS = 256;

function setup(maxPayload: number) {
  const bus = new InProcessBus(maxPayload);
  const got: Array<{ chunk: EmbedChunk; bytes: number }> = [];
  bus.subscribe("out", (m) => got.push({ chunk: decodeEmbedChunk(m.data), bytes: m.data.byteLength }));
  const sender = new EmbedSender(bus, "out", "r", DIMS, (err) => {
    throw err;
  });
  return { got, sender };
}

const vector = (i: number) => new Float32Array(DIMS).fill(i / 10);
const settle = () => new Promise((r) => setTimeout(r, 5));

describe("EmbedSender", () => {
  it("packs as many vectors per message as fit under the bus's max payload, in order", async () => {
    const maxPayload = 4 * 1024;
    const per = vectorsPerChunk(maxPayload, DIMS);
    expect(per).toBe(3);
    const { got, sender } = setup(maxPayload);
    for (let i = 0; i < 7; i++) sender.vector(i, vector(i));
    sender.send({ case: "done", value: { promptTokens: 42 } });
    await settle();
    expect(got.map((g) => g.chunk.seq)).toEqual([1, 2, 3, 4]);
    expect(got.map((g) => g.chunk.kind.case)).toEqual(["vectors", "vectors", "vectors", "done"]);
    expect(got.every((g) => g.bytes <= maxPayload)).toBe(true);
    const vectors = got.flatMap((g) => (g.chunk.kind.case === "vectors" ? g.chunk.kind.value.vectors : []));
    expect(vectors.map((v) => v.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(bytesToFloat32(vectors[5]!.values)[DIMS - 1]).toBeCloseTo(0.5, 6);
  });

  it("keeps the gateway informed while quiet: gathered vectors, else a heartbeat", async () => {
    const { got, sender } = setup(1024 * 1024);
    sender.keepAlive();
    sender.vector(0, vector(1));
    sender.keepAlive();
    await settle();
    expect(got.map((g) => g.chunk.kind.case)).toEqual(["heartbeat", "vectors"]);
    expect(sender.idleMs()).toBeLessThan(1_000);
  });
});
