/**
 * The Responses API (#12) through the official openai SDK, against the OpenAI and Anthropic
 * fakes, on every database (and the Workers build): response objects and their stream event
 * by event, function tools with previous_response_id and function_call_output, state kept by
 * the gateway per key (GET, DELETE, input_items), and bad input.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicToolUseStream } from "./fakes/anthropic-wire.ts";
import { openaiStream, openaiToolCallStream } from "./fakes/openai-wire.ts";
import { type CloudTarget, startCloudTarget, targetKinds } from "./helpers/cloud-target.ts";

const ADMIN = "admin-token-for-tests";
const weather = { type: "function" as const, name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: false };

/** The event types of a stream, consecutive text and argument deltas folded into one. */
const shape = (types: string[]) => types.filter((t, i) => !(t.endsWith(".delta") && types[i - 1] === t));

describe.each(targetKinds())("the Responses API on %s", (kind) => {
  let gw: CloudTarget;
  let alice: OpenAI;
  let bob: OpenAI;

  beforeAll(async () => {
    gw = await startCloudTarget(kind, { ADMIN_TOKEN: ADMIN });
    const mk = async (name: string) => {
      const res = await fetch(`${gw.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name }) });
      return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: ((await res.json()) as { key: string }).key, maxRetries: 0 });
    };
    alice = await mk("alice");
    bob = await mk("bob");
  });
  afterAll(async () => {
    await gw?.stop();
  });
  beforeEach(() => {
    gw.openai.requests.length = 0;
    gw.anthropic.requests.length = 0;
  });

  it("answers a response object, keeps it for its key, and lists its input items", async () => {
    const res = await alice.responses.create({ model: "gpt-4o-mini", input: "Hi there", instructions: "Be brief.", metadata: { case: "one" } });
    expect(res).toMatchObject({ object: "response", status: "completed", model: "gpt-4o-mini", instructions: "Be brief.", metadata: { case: "one" }, error: null, incomplete_details: null });
    expect(res.id).toMatch(/^resp_/);
    expect(res.output).toHaveLength(1);
    expect(res.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Hello from the fake OpenAI." }] });
    expect(res.output_text).toBe("Hello from the fake OpenAI.");
    expect(res.usage).toEqual({ input_tokens: 9, input_tokens_details: { cached_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 21 });
    expect(gw.openai.requests[0]?.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi there" },
    ]);

    expect(await alice.responses.retrieve(res.id)).toEqual(res);
    await expect(bob.responses.retrieve(res.id)).rejects.toMatchObject({ status: 404 });
    const items = await alice.responses.inputItems.list(res.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: "message", role: "user", content: "Hi there" });
    await expect(bob.responses.delete(res.id)).rejects.toMatchObject({ status: 404 });
    await alice.responses.delete(res.id);
    await expect(alice.responses.retrieve(res.id)).rejects.toMatchObject({ status: 404 });
  });

  it("continues a stored response with previous_response_id: the history goes upstream, another key's is a 404", async () => {
    const first = await alice.responses.create({ model: "gpt-4o-mini", input: [{ role: "user", content: [{ type: "input_text", text: "First" }] }], instructions: "Only for the first." });
    const second = await alice.responses.create({ model: "gpt-4o-mini", input: "Second", previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
    // Instructions are not carried over, as on OpenAI.
    expect(gw.openai.requests[1]?.body.messages).toEqual([
      { role: "user", content: "First" },
      { role: "assistant", content: "Hello from the fake OpenAI." },
      { role: "user", content: "Second" },
    ]);
    await alice.responses.create({ model: "gpt-4o-mini", input: "Third", previous_response_id: second.id });
    expect((gw.openai.requests[2]?.body.messages as unknown[]).length).toBe(5);
    await expect(bob.responses.create({ model: "gpt-4o-mini", input: "x", previous_response_id: first.id })).rejects.toMatchObject({ status: 404, param: "previous_response_id" });
    await expect(alice.responses.create({ model: "gpt-4o-mini", input: "x", previous_response_id: "resp_nope" })).rejects.toMatchObject({ status: 404 });
    const unstored = await alice.responses.create({ model: "gpt-4o-mini", input: "not kept", store: false });
    await expect(alice.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });
  });

  it("streams text as OpenAI's event sequence, numbered, ending with response.completed", async () => {
    gw.openai.enqueue(openaiStream("gpt-4o-mini", ["Hel", "lo", " world"]));
    const stream = alice.responses.stream({ model: "gpt-4o-mini", input: "Hi" });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Hello world");
    expect(final.status).toBe("completed");
    expect(final.usage?.output_tokens).toBe(3);
    const stored = await alice.responses.retrieve(final.id);
    expect(stored.status).toBe("completed");
  });

  it("makes function calls and takes their outputs back, JSON and streamed, on OpenAI and Anthropic", async () => {
    gw.openai.enqueue(openaiToolCallStream("gpt-4o-mini", "get_weather", ['{"ci', 'ty": "Paris"}']));
    const events: string[] = [];
    const stream = alice.responses.stream({ model: "gpt-4o-mini", input: "Weather in Paris?", tools: [weather] });
    for await (const e of stream) events.push(e.type);
    expect(shape(events)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const called = await stream.finalResponse();
    const call = called.output[0];
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", arguments: '{"city": "Paris"}', call_id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", status: "completed" });
    expect(gw.openai.requests[0]?.body.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather of a city", parameters: weather.parameters } }]);

    const answered = await alice.responses.create({
      model: "gpt-4o-mini",
      previous_response_id: called.id,
      input: [{ type: "function_call_output", call_id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", output: '{"temp": 21}' }],
      tools: [weather],
    });
    expect(answered.output_text).toBe("Hello from the fake OpenAI.");
    expect(gw.openai.requests[1]?.body.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }] },
      { role: "tool", content: '{"temp": 21}', tool_call_id: "call_DdmO9pD3xa9XTPNJ32zg2hcA" },
    ]);

    gw.anthropic.enqueue(anthropicToolUseStream("claude-haiku-4-5", "get_weather", ['{"city":', ' "Oslo"}']));
    const viaClaude = await alice.responses.create({ model: "claude-haiku-4-5", input: "Weather in Oslo?", tools: [weather], stream: true });
    const claudeEvents: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const e of viaClaude) claudeEvents.push(e);
    const done = claudeEvents.at(-1);
    expect(done?.type).toBe("response.completed");
    if (done?.type !== "response.completed") throw new Error("not completed");
    expect(done.response.output.find((o) => o.type === "function_call")).toMatchObject({ name: "get_weather", arguments: '{"city": "Oslo"}' });
  });

  it("passes text.format to OpenAI as a response format, and refuses it for Anthropic naming text.format", async () => {
    const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    await alice.responses.create({ model: "gpt-4o-mini", input: "json", text: { format: { type: "json_schema", name: "thing", schema, strict: true } } });
    expect(gw.openai.requests[0]?.body.response_format).toEqual({ type: "json_schema", json_schema: { name: "thing", schema, strict: true } });
    await expect(alice.responses.create({ model: "claude-haiku-4-5", input: "json", text: { format: { type: "json_object" } } })).rejects.toMatchObject({ status: 400, param: "text.format" });
  });

  it("refuses bad input with a clear 400 naming the part", async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${alice.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, error: ((await res.json()) as { error: { param: string | null; code: string | null } }).error };
    };
    expect(await post({ model: "gpt-4o-mini", input: [{ type: "reasoning_summary_x", text: "?" }] })).toMatchObject({ status: 400, error: { param: "input[0].type", code: "unsupported_item" } });
    expect(await post({ model: "gpt-4o-mini", input: [{ role: "user", content: "x" }, { type: "function_call_output", call_id: "call_none", output: "1" }] })).toMatchObject({
      status: 400,
      error: { param: "input[1].call_id" },
    });
    expect(await post({ model: "gpt-4o-mini", input: "x", tools: [{ type: "web_search" }] })).toMatchObject({ status: 400, error: { param: "tools[0].type" } });
    expect(await post({ model: "gpt-4o-mini", input: [{ role: "robot", content: "x" }] })).toMatchObject({ status: 400, error: { param: "input[0].role" } });
    expect(await post({ model: "gpt-4o-mini" })).toMatchObject({ status: 400, error: { param: "input" } });
  });
});
