import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { type ChatChunk, decodeChatChunk } from "@switchyard/shared/codec/chat-codec";
import { describe, expect, it } from "vitest";
import { ChunkSender } from "./chunk-sender.ts";

async function capture(coalesceMs: number, script: (s: ChunkSender) => Promise<void>): Promise<ChatChunk[]> {
  const bus = new InProcessBus();
  const got: ChatChunk[] = [];
  bus.subscribe("out", (m) => got.push(decodeChatChunk(m.data)));
  const sender = new ChunkSender(bus, "out", "r", coalesceMs, (err) => {
    throw err;
  });
  await script(sender);
  sender.close();
  await new Promise((r) => setTimeout(r, 5));
  return got;
}

describe("ChunkSender", () => {
  it("sends the first token at once and merges the ones right after it", async () => {
    const got = await capture(50, async (s) => {
      s.token("a", 1);
      s.token("b", 1);
      s.token("c", 1);
      s.send({ case: "done", value: { finishReason: "stop" } });
    });
    expect(got.map((c) => [c.seq, c.kind.case])).toEqual([
      [1, "token"],
      [2, "token"],
      [3, "done"],
    ]);
    expect(got[0]?.kind.value).toMatchObject({ text: "a", count: 1 });
    expect(got[1]?.kind.value).toMatchObject({ text: "bc", count: 2 });
  });

  it("flushes merged tokens by itself after the window", async () => {
    const got = await capture(10, async (s) => {
      s.token("x", 1);
      s.token("y", 1);
      await new Promise((r) => setTimeout(r, 40));
    });
    expect(got.map((c) => (c.kind.case === "token" ? c.kind.value.text : c.kind.case))).toEqual(["x", "y"]);
  });

  it("sends one message per token with a zero window", async () => {
    const got = await capture(0, async (s) => {
      for (const t of ["1", "2", "3"]) s.token(t, 1);
    });
    expect(got).toHaveLength(3);
  });
});
