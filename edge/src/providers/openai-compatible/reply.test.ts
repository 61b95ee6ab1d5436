import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import { describe, expect, it } from "vitest";
import { streamReply } from "./reply.ts";

async function* body(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

async function drain(text: string, clientWantsUsage: boolean): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of streamReply(body(text), { clientWantsUsage })) out.push(e);
  return out;
}

const wire = (events: ChatEvent[]) => events.flatMap((e) => (e.type === "wire" ? [new TextDecoder().decode(e.bytes)] : [])).join("");

describe("streamReply on the wire path", () => {
  it("reads finish_reason and usage in any JSON spacing, and passes every other byte through", async () => {
    const text =
      'data: {"choices":[{"delta":{"content":"say \\"finish_reason\\":\\"x\\""},"finish_reason":null}]}\n\n' +
      'data: {"choices" : [ {"delta" : {}, "finish_reason" :\t"length"} ]}\n\n' +
      'data: {"choices":[],"usage" : {"prompt_tokens":3,"completion_tokens":2}}\n\n' +
      "data: [DONE]\n\n";
    const events = await drain(text, true);
    expect(events.at(-1)).toEqual({ type: "done", finishReason: "length" });
    expect(events.find((e) => e.type === "usage")).toMatchObject({ promptTokens: 3, completionTokens: 2 });
    // A finish_reason inside a content string is text, not a field: the chunk passes untouched.
    expect(wire(events)).toBe(text.slice(0, text.indexOf("data: [DONE]")));
  });

  it("drops the usage-only chunk the client did not ask for, and still counts it", async () => {
    const text = 'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\ndata: [DONE]\n\n';
    const events = await drain(text, false);
    expect(wire(events)).toBe('data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n');
    expect(events.some((e) => e.type === "usage")).toBe(true);
  });

  it("sends what came before a bad event in the same read, then fails", async () => {
    const text = 'data: {"choices":[{"delta":{"content":"ok"},"finish_reason":null}]}\n\ndata: {not json\n\n';
    const out: ChatEvent[] = [];
    const failure = await (async () => {
      for await (const e of streamReply(body(text), { clientWantsUsage: false })) out.push(e);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(wire(out)).toBe('data: {"choices":[{"delta":{"content":"ok"},"finish_reason":null}]}\n\n');
    expect(String(failure)).toMatch(/a stream chunk that is not JSON/);
  });
});
