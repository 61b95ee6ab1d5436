/**
 * The gateway's side of the chat protocol against a scripted worker on the in-process bus:
 * sequence gaps, worker errors, silence and early stops all behave as the protocol says.
 */
import { describe, expect, it } from "vitest";
import { InProcessBus } from "../bus/in-process-bus.ts";
import { subjects } from "../bus/subjects.ts";
import { type ChatChunkKind, decodeCancel, decodeChatRequest, encodeChatChunk } from "../codec/chat-codec.ts";
import { GatewayError } from "../errors.ts";
import type { ChatEvent } from "./chat-events.ts";
import { streamChat } from "./chat-stream-client.ts";

const subs = subjects("u");
const request = (requestId: string) => ({
  requestId,
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  sampling: {},
  deadlineUnixMs: 0,
});
const opts = { acceptTimeoutMs: 500, idleTimeoutMs: 200 };

/** A worker that accepts and then sends the given [seq, chunk] list. */
function scriptedWorker(bus: InProcessBus, script: Array<[number, ChatChunkKind]>) {
  bus.subscribe(subs.chat("m"), (msg) => {
    const req = decodeChatRequest(msg.data);
    bus.publish(msg.reply!, encodeChatChunk(req.requestId, 0, { case: "accepted", value: { workerId: "w" } }));
    bus.publish(req.streamSubject, encodeChatChunk(req.requestId, 1, { case: "started", value: { promptTokens: 3 } }));
    for (const [seq, kind] of script) bus.publish(req.streamSubject, encodeChatChunk(req.requestId, seq + 1, kind));
  });
}

async function drain(events: AsyncGenerator<ChatEvent>): Promise<{ events: ChatEvent[]; error?: GatewayError }> {
  const out: ChatEvent[] = [];
  try {
    for await (const e of events) out.push(e);
    return { events: out };
  } catch (err) {
    return { events: out, error: err as GatewayError };
  }
}

const token = (text: string): ChatChunkKind => ({ case: "token", value: { text, count: 1 } });

describe("streamChat", () => {
  it("yields accepted, tokens, usage and done in order", async () => {
    const bus = new InProcessBus();
    scriptedWorker(bus, [
      [1, token("a")],
      [2, token("b")],
      [3, { case: "usage", value: { promptTokens: 3, completionTokens: 2 } }],
      [4, { case: "done", value: { finishReason: "length" } }],
    ]);
    const { events, error } = await drain(streamChat(bus, subs, request("r1"), opts));
    expect(error).toBeUndefined();
    // Tokens already queued together are merged into one event.
    expect(events.map((e) => e.type)).toEqual(["accepted", "token", "usage", "done"]);
    expect(events[1]).toEqual({ type: "token", text: "ab", count: 2 });
    expect(events[0]).toEqual({ type: "accepted", workerId: "w", promptTokens: 3 });
    expect(events.at(-1)).toEqual({ type: "done", finishReason: "length" });
  });

  it("treats a gap in sequence numbers as an error, never silent loss", async () => {
    const bus = new InProcessBus();
    scriptedWorker(bus, [
      [1, token("a")],
      [3, token("c")],
    ]);
    const { events, error } = await drain(streamChat(bus, subs, request("r2"), opts));
    expect(events.some((e) => e.type === "token" && e.text.includes("c"))).toBe(false);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error?.status).toBe(502);
    expect(error?.message).toMatch(/expected seq 3, got 4/);
  });

  it("turns a worker's error chunk into a GatewayError with its status and code", async () => {
    const bus = new InProcessBus();
    scriptedWorker(bus, [[1, { case: "error", value: { code: "internal_error", message: "boom", status: 500 } }]]);
    const { error } = await drain(streamChat(bus, subs, request("r3"), opts));
    expect(error?.status).toBe(500);
    expect(error?.code).toBe("internal_error");
  });

  it("ends with worker_lost when the worker falls silent", async () => {
    const bus = new InProcessBus();
    scriptedWorker(bus, [[1, token("a")]]);
    const started = Date.now();
    const { error } = await drain(streamChat(bus, subs, request("r4"), opts));
    expect(error?.code).toBe("worker_lost");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("answers 503 no_worker_available when nobody serves the model", async () => {
    const { error } = await drain(streamChat(new InProcessBus(), subs, request("r5"), opts));
    expect(error?.status).toBe(503);
    expect(error?.code).toBe("no_worker_available");
  });

  it("sends a Cancel when the consumer stops early", async () => {
    const bus = new InProcessBus();
    scriptedWorker(bus, [
      [1, token("a")],
      [2, token("b")],
    ]);
    const cancels: string[] = [];
    bus.subscribe(subs.cancel("r6"), (m) => cancels.push(decodeCancel(m.data).requestId));
    for await (const e of streamChat(bus, subs, request("r6"), opts)) if (e.type === "token") break;
    await new Promise((r) => setTimeout(r, 10));
    expect(cancels).toEqual(["r6"]);
  });
});
