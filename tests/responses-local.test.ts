/**
 * The Responses API on a local model (#12), as its users' clients call it: the openai SDK's
 * responses.create and responses.stream (text, a function tool round trip with
 * previous_response_id and function_call_output, text.format under a grammar), the Vercel AI
 * SDK's default provider (generateText, streamText) and LangChain's ChatOpenAI with
 * useResponsesApi, each also against the OpenAI fake.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { ChatOpenAI } from "@langchain/openai";
import { generateText, jsonSchema, streamText, tool } from "ai";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openaiStream } from "./fakes/openai-wire.ts";
import { type CloudGateway, startCloudGateway } from "./helpers/cloud-gateway.ts";
import { startTestStack, type TestStack } from "./helpers/stack.ts";

const MODEL = "tiny";
// Bounded, so the junk model's call always completes under the grammar.
const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather of a city",
  parameters: { type: "object", properties: { city: { enum: ["Paris", "Oslo"] }, metric: { type: "boolean" } }, required: ["city", "metric"], additionalProperties: false },
  strict: true,
};

describe("the Responses API on a local model", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ modelsDir: inject("modelsDir") });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("answers and streams text; a continued response reuses the worker's cache", async () => {
    const first = await stack.client.responses.create({ model: MODEL, input: "Tell me about the night trains of the yard and who signals them out.", max_output_tokens: 12 });
    expect(first.status).toBe("incomplete");
    expect(first.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(first.output_text.length).toBeGreaterThan(0);
    expect(first.usage?.output_tokens).toBe(12);

    const stream = stack.client.responses.stream({ model: MODEL, input: "And the morning ones?", previous_response_id: first.id, max_output_tokens: 8 });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const second = await stream.finalResponse();
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.slice(-4)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.incomplete"]);
    expect(types.filter((t) => t === "response.output_text.delta").length).toBeGreaterThan(1);
    // The history (first input and output) is on the worker already.
    expect(second.usage?.input_tokens).toBeGreaterThan(first.usage?.input_tokens ?? Number.POSITIVE_INFINITY);
    expect(second.usage?.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(first.usage?.input_tokens ?? Number.POSITIVE_INFINITY);
  });

  it("stops the generation on the worker when a streaming client goes away", async () => {
    const controller = new AbortController();
    const stream = await stack.client.responses.create({ model: MODEL, input: "A long story, please.", max_output_tokens: 1500, stream: true }, { signal: controller.signal });
    let deltas = 0;
    try {
      for await (const e of stream) {
        if (e.type === "response.output_text.delta") deltas += 1;
        if (deltas === 5) controller.abort();
      }
    } catch (err) {
      expect((err as Error).name).toMatch(/Abort/);
    }
    expect(deltas).toBeGreaterThanOrEqual(5);
    const start = Date.now();
    while (stack.gpuNode.worker.activeRequests > 0 && Date.now() - start < 1_000) await new Promise((r) => setTimeout(r, 5));
    expect(stack.gpuNode.worker.activeRequests).toBe(0);
    expect(Date.now() - start).toBeLessThan(500);
  });

  it("makes a function call, then answers its output through previous_response_id", async () => {
    const called = await stack.client.responses.create({ model: MODEL, input: "Weather in Paris?", tools: [weather], tool_choice: "required", max_output_tokens: 64 });
    expect(called.status).toBe("completed");
    const call = called.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === "function_call");
    expect(call?.name).toBe("get_weather");
    const args = JSON.parse(call?.arguments ?? "") as { city: string; metric: boolean };
    expect(["Paris", "Oslo"]).toContain(args.city);
    expect(typeof args.metric).toBe("boolean");

    const answered = await stack.client.responses.create({
      model: MODEL,
      previous_response_id: called.id,
      input: [{ type: "function_call_output", call_id: call!.call_id, output: '{"temperature": 21}' }],
      tools: [weather],
      tool_choice: "none",
      max_output_tokens: 8,
    });
    expect(answered.output.map((o) => o.type)).toEqual(["message"]);
    expect(answered.output_text.length).toBeGreaterThan(0);
  });

  it("decodes text.format json_schema under a grammar, and refuses a schema it cannot enforce naming the part", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" }, color: { enum: ["red", "blue"] } }, required: ["ok", "color"], additionalProperties: false };
    const res = await stack.client.responses.create({ model: MODEL, input: "JSON", text: { format: { type: "json_schema", name: "thing", schema, strict: true } }, max_output_tokens: 100 });
    const value = JSON.parse(res.output_text) as { ok: boolean; color: string };
    expect(typeof value.ok).toBe("boolean");
    expect(["red", "blue"]).toContain(value.color);
    await expect(
      stack.client.responses.create({ model: MODEL, input: "x", text: { format: { type: "json_schema", name: "n", schema: { type: "object", properties: { s: { type: "string", pattern: "^a" } } } } } }),
    ).rejects.toMatchObject({ status: 400, param: "text.format.schema.properties.s.pattern" });
  });

  it("serves the Vercel AI SDK's default provider: generateText, streamText and a required tool", async () => {
    const openai = createOpenAI({ baseURL: `${stack.url}/v1`, apiKey: "unused" });
    const text = await generateText({ model: openai(MODEL), prompt: "Hello", maxOutputTokens: 10 });
    expect(text.text.length).toBeGreaterThan(0);
    expect(text.usage.outputTokens).toBe(10);
    expect(text.finishReason).toBe("length");

    const streamed = streamText({ model: openai(MODEL), prompt: "Hello again", maxOutputTokens: 10 });
    const pieces: string[] = [];
    for await (const piece of streamed.textStream) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(1);
    expect(await streamed.text).toBe(pieces.join(""));

    const called = await generateText({
      model: openai(MODEL),
      prompt: "Weather in Oslo?",
      tools: { get_weather: tool({ description: "Weather of a city", inputSchema: jsonSchema<{ city: string; metric: boolean }>(weather.parameters as Parameters<typeof jsonSchema>[0]) }) },
      toolChoice: "required",
      maxOutputTokens: 64,
    });
    expect(called.toolCalls[0]?.toolName).toBe("get_weather");
    expect(["Paris", "Oslo"]).toContain((called.toolCalls[0]?.input as { city: string }).city);
  });

  it("serves LangChain's ChatOpenAI with useResponsesApi", async () => {
    const chat = new ChatOpenAI({ model: MODEL, apiKey: "unused", useResponsesApi: true, maxTokens: 10, configuration: { baseURL: `${stack.url}/v1` } });
    const reply = await chat.invoke("Hello");
    expect(typeof reply.content === "string" ? reply.content : reply.text).not.toBe("");
    expect(reply.usage_metadata?.output_tokens).toBe(10);
  });
});

describe("Responses clients against the OpenAI fake", () => {
  let gw: CloudGateway;
  beforeAll(async () => {
    gw = await startCloudGateway({});
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("serves the Vercel AI SDK and LangChain with the upstream's reply", async () => {
    const openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused" });
    expect((await generateText({ model: openai("gpt-4o-mini"), prompt: "Hi" })).text).toBe("Hello from the fake OpenAI.");
    gw.openai.enqueue(openaiStream("gpt-4o-mini", ["Str", "eam", "ed"]));
    expect(await streamText({ model: openai("gpt-4o-mini"), prompt: "Hi" }).text).toBe("Streamed");
    const chat = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "unused", useResponsesApi: true, configuration: { baseURL: `${gw.url}/v1` } });
    expect((await chat.invoke("Hi")).text).toBe("Hello from the fake OpenAI.");
  });
});
