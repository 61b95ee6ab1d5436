import { describe, expect, it } from "vitest";
import { relayBody } from "./relay-body.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An inner body that yields `chunks` chunks, `gapMs` apart, and records its own cancel. */
function source(chunks: number, gapMs = 0) {
  const seen = { cancelled: undefined as unknown, produced: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        if (seen.produced === chunks) return c.close();
        if (gapMs) await sleep(gapMs);
        seen.produced += 1;
        c.enqueue(new Uint8Array([seen.produced]));
      },
      cancel(reason) {
        seen.cancelled = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { response: new Response(body), seen };
}

describe("relayBody", () => {
  it("passes every chunk on and reports a clean end", async () => {
    const { response, seen } = source(5);
    const ends: boolean[] = [];
    const relayed = relayBody(response, { onEnd: (cancelled) => ends.push(cancelled), sendTimeoutMs: 50 });
    expect([...new Uint8Array(await relayed.response.arrayBuffer())]).toEqual([1, 2, 3, 4, 5]);
    expect(ends).toEqual([false]);
    expect(seen.cancelled).toBeUndefined();
  });

  it("hands a client's cancel to the inner body at once", async () => {
    const { response, seen } = source(1_000);
    const ends: boolean[] = [];
    const reader = relayBody(response, { onEnd: (cancelled) => ends.push(cancelled) }).response.body!.getReader();
    await reader.read();
    await reader.cancel(new Error("client gone"));
    expect(ends).toEqual([true]);
    expect((seen.cancelled as Error).message).toBe("client gone");
  });

  it("takes a client that stops taking data for the send timeout as gone: inner cancelled, response cut", async () => {
    const { response, seen } = source(1_000);
    const ends: boolean[] = [];
    const cuts: number[] = [];
    const reader = relayBody(response, { onEnd: (cancelled) => ends.push(cancelled), sendTimeoutMs: 40, onSendTimeout: (ms) => cuts.push(ms) }).response.body!.getReader();
    await reader.read();
    // The client reads nothing more (a write the runtime never completes).
    await sleep(150);
    expect(ends).toEqual([true]);
    expect(cuts).toEqual([40]);
    expect((seen.cancelled as Error).message).toBe("the client took no data for 40 ms");
    expect(seen.produced).toBeLessThan(5);
    await expect(reader.read()).rejects.toThrow("the client took no data for 40 ms");
  });

  it("never cuts a slow source: the timeout runs only while a chunk waits for the client", async () => {
    const { response, seen } = source(3, 80);
    const ends: boolean[] = [];
    const cuts: number[] = [];
    const relayed = relayBody(response, { onEnd: (cancelled) => ends.push(cancelled), sendTimeoutMs: 40, onSendTimeout: (ms) => cuts.push(ms) });
    expect([...new Uint8Array(await relayed.response.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(ends).toEqual([false]);
    expect(cuts).toEqual([]);
    expect(seen.cancelled).toBeUndefined();
  });
});
