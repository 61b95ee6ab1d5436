import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { concatBytes, type SseEvent, SseDecoder } from "./sse-decoder.ts";

/** A small deterministic PRNG, so a failing seed can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ["hello", "wörld", "日本語", "🚀 launch", '{"a":1}', "", " lead", "x:y", "naïve café"];
const ENDINGS = ["\n", "\r\n", "\r"];

function randomStream(rand: () => number, events: number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  let text = "";
  for (let e = 0; e < events; e++) {
    const eol = pick(ENDINGS);
    if (rand() < 0.2) text += `: comment ${pick(PIECES)}${eol}`;
    if (rand() < 0.3) text += `event: ${pick(["message", "response.created", "ping"])}${eol}`;
    if (rand() < 0.2) text += `id: ${e}${eol}`;
    const lines = 1 + Math.floor(rand() * 3);
    for (let l = 0; l < lines; l++) text += rand() < 0.1 ? `data:${pick(PIECES)}${eol}` : `data: ${pick(PIECES)}${eol}`;
    text += pick(ENDINGS);
  }
  return text;
}

const view = (e: SseEvent) => ({ event: e.event, data: e.data, id: e.id });
const decodeWhole = (bytes: Uint8Array) => new SseDecoder().push(bytes);

function decodeSplit(bytes: Uint8Array, cuts: number[], asBuffer = false): SseEvent[] {
  const decoder = new SseDecoder();
  const out: SseEvent[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A fresh buffer per read, zeroed after: what the decoder keeps must not be a view of it.
    // (An event it returns may be one: its bytes are taken before the buffer is reused.)
    // Node's reads are Buffers, which the decoder reads through Buffer's own decoding.
    const chunk = asBuffer ? Buffer.from(bytes.subarray(at, cut)) : bytes.slice(at, cut);
    out.push(...decoder.push(chunk).map((e) => ({ ...e, raw: new Uint8Array(e.raw) })));
    chunk.fill(0);
    at = cut;
  }
  return out;
}

describe("SseDecoder", () => {
  it("decodes any split of a stream as the whole stream, raw bytes included (fuzzed)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = rng(seed);
      const bytes = new TextEncoder().encode(randomStream(rand, 1 + Math.floor(rand() * 12)));
      const whole = decodeWhole(bytes).map((e) => ({ ...view(e), raw: [...e.raw] }));
      const cuts = [...new Set(Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * bytes.length)))].sort((a, b) => a - b);
      const split = decodeSplit(bytes, cuts).map((e) => ({ ...view(e), raw: [...e.raw] }));
      expect(split, `seed ${seed}`).toEqual(whole);
      const buffers = decodeSplit(bytes, cuts, true).map((e) => ({ ...view(e), raw: [...e.raw] }));
      expect(buffers, `seed ${seed}, Buffer reads`).toEqual(whole);
      // The raw bytes of the events are the stream itself, in order.
      expect(whole.flatMap((e) => e.raw).length).toBeLessThanOrEqual(bytes.length);
    }
  });

  it("agrees with eventsource-parser, and byte by byte", () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const text = randomStream(rng(seed), 8);
      const bytes = new TextEncoder().encode(text);
      const reference: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (e) => reference.push(e) });
      parser.feed(text);
      const ours = decodeWhole(bytes);
      expect(ours.map((e) => ({ event: e.event, data: e.data, id: e.id }))).toEqual(reference.map((e) => ({ event: e.event, data: e.data, id: e.id })));
      expect(decodeSplit(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)).map(view)).toEqual(ours.map(view));
    }
  });

  it("splits inside a multi-byte character and across a CR LF pair", () => {
    const bytes = new TextEncoder().encode("data: 🚀é\r\n\r\ndata: two\r\n\r\n");
    const rocket = bytes.indexOf(0xf0);
    const events = decodeSplit(bytes, [rocket + 1, rocket + 3, bytes.indexOf(13) + 1, bytes.indexOf(13, bytes.indexOf(13) + 1) + 1]);
    expect(events.map(view)).toEqual([
      { event: undefined, data: "🚀é", id: undefined },
      { event: undefined, data: "two", id: undefined },
    ]);
    expect(new TextDecoder().decode(events[0]!.raw)).toBe("data: 🚀é\r\n\r\n");
  });

  it("hands the events of one read back as views of it, and joins them without a copy", () => {
    const chunk = new TextEncoder().encode('data: {"a":1}\n\ndata: {"b":2}\r\n\r\n: note\n');
    const events = new SseDecoder().push(chunk);
    expect(events.map((e) => e.raw.buffer === chunk.buffer)).toEqual([true, true]);
    const joined = concatBytes(events.map((e) => e.raw));
    expect(joined.buffer).toBe(chunk.buffer);
    expect(new TextDecoder().decode(joined)).toBe('data: {"a":1}\n\ndata: {"b":2}\r\n\r\n');
    // Pieces of different buffers are copied.
    expect(new TextDecoder().decode(concatBytes([chunk.subarray(0, 4), new TextEncoder().encode("!")]))).toBe("data!");
  });

  it("drops a byte order mark at the start of the stream only, however the stream is split", () => {
    const bytes = new TextEncoder().encode("\uFEFFdata: a\n\ndata: \uFEFFb\n\n\uFEFFdata: c\n\n");
    const expected = [
      { event: undefined, data: "a", id: undefined },
      { event: undefined, data: "\uFEFFb", id: undefined },
    ];
    expect(decodeWhole(bytes).map(view)).toEqual(expected);
    // Split inside the mark, for both kinds of read.
    expect(decodeSplit(bytes, [1, 2, 4]).map(view)).toEqual(expected);
    expect(decodeSplit(bytes, [1, 2, 4], true).map(view)).toEqual(expected);
  });

  it("decodes invalid UTF-8 alike from Uint8Array and Buffer reads (U+FFFD)", () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode("data: a"), 0xff, 0xc3, ...new TextEncoder().encode("b\n\n")]);
    const fromArray = decodeWhole(bytes).map(view);
    expect(fromArray).toEqual([{ event: undefined, data: "a\uFFFD\uFFFDb", id: undefined }]);
    expect(new SseDecoder().push(Buffer.from(bytes)).map(view)).toEqual(fromArray);
  });

  it("takes many events in one read, and drops an event the stream ends inside", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `data: {"i":${i}}\n\n`).join("");
    const decoder = new SseDecoder();
    const events = decoder.push(new TextEncoder().encode(`${many}data: cut`));
    expect(events).toHaveLength(5000);
    expect(events[4999]?.data).toBe('{"i":4999}');
    decoder.end();
    expect(decoder.push(new TextEncoder().encode("\n\n"))).toEqual([]);
  });
});
