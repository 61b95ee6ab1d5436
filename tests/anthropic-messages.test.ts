/**
 * The Anthropic-compatible front door (POST /v1/messages): the official Anthropic SDK works
 * against the gateway, for local models and for any cloud target.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openaiToolCallStream } from "./fakes/openai-wire.ts";
import { type CloudTarget, startCloudTarget, targetKinds } from "./helpers/cloud-target.ts";
import { type LocalTarget, localKinds, startLocalTarget } from "./helpers/local-target.ts";

/** The SSE event names of a raw /v1/messages stream, in order. */
async function eventNames(url: string, body: unknown): Promise<{ names: string[]; text: string }> {
  const res = await fetch(`${url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { names: [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1] ?? ""), text };
}

describe.each(localKinds().filter((k) => k === "in-process" || k === "workers"))("/v1/messages on a local model (%s)", (kind) => {
  let stack: LocalTarget;
  let anthropic: Anthropic;
  beforeAll(async () => {
    stack = await startLocalTarget(kind, {});
    anthropic = new Anthropic({ baseURL: stack.url, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("answers a message through the Anthropic SDK", async () => {
    const msg = await anthropic.messages.create({ model: "tiny", max_tokens: 12, system: "Be kind.", messages: [{ role: "user", content: "Hello" }] });
    expect(msg.type).toBe("message");
    expect(msg.role).toBe("assistant");
    expect(msg.content[0]?.type).toBe("text");
    expect(msg.stop_reason).toBe("max_tokens");
    expect(msg.usage.output_tokens).toBe(12);
    expect(msg.usage.input_tokens).toBeGreaterThan(3);
  });

  it("streams the Messages event sequence", async () => {
    const { names } = await eventNames(stack.url, { model: "tiny", max_tokens: 8, stream: true, messages: [{ role: "user", content: "Hi" }] });
    expect(names.slice(0, 3)).toEqual(["message_start", "ping", "content_block_start"]);
    expect(names.filter((n) => n === "content_block_delta").length).toBeGreaterThan(0);
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    const stream = anthropic.messages.stream({ model: "tiny", max_tokens: 8, messages: [{ role: "user", content: "Hi" }] });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("max_tokens");
    expect(final.usage.output_tokens).toBe(8);
  });

  it("answers errors in Anthropic's shape", async () => {
    const missing = await fetch(`${stack.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x" }] }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const err = await anthropic.messages.create({ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe.each(targetKinds().filter((k) => k === "pglite" || k === "workers"))("/v1/messages on a cloud target (%s)", (kind) => {
  let gw: CloudTarget;
  let anthropic: Anthropic;
  beforeAll(async () => {
    gw = await startCloudTarget(kind, {});
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.stop();
  });
  beforeEach(() => {
    gw.openai.requests.length = 0;
  });

  it("turns tool_use history into OpenAI tool messages for an OpenAI model", async () => {
    await anthropic.messages.create({
      model: "gpt-4o-mini",
      max_tokens: 50,
      messages: [
        { role: "user", content: "Weather in Rome?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }, { type: "text", text: "Thanks" }] },
      ],
    });
    expect(gw.openai.requests[0]?.body.messages).toEqual([
      { role: "user", content: "Weather in Rome?" },
      { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
      { role: "tool", content: "sunny", tool_call_id: "toolu_1" },
      { role: "user", content: "Thanks" },
    ]);
    expect(gw.openai.requests[0]?.body.max_completion_tokens).toBe(50);
  });

  it("streams an OpenAI tool call as tool_use blocks with input_json_delta", async () => {
    gw.openai.enqueue(openaiToolCallStream("gpt-4o-mini", "get_weather", ['{"city":', '"Rome"}']));
    const stream = anthropic.messages.stream({
      model: "gpt-4o-mini",
      max_tokens: 50,
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
      messages: [{ role: "user", content: "Weather?" }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content).toEqual([{ type: "tool_use", id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", input: { city: "Rome" } }]);
    expect(final.usage).toMatchObject({ input_tokens: 81, output_tokens: 15 });
    expect(gw.openai.requests[0]?.body.tools).toEqual([
      { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
    ]);
  });
});
