/**
 * Tools and structured output on a local model (#12), through the official openai SDK against
 * a real gpu-node on the generated model. The model emits junk, so these check shapes: a call
 * to an offered function whose arguments parse and follow its schema, the finish reason, a
 * full round trip (call, tool message, reply), JSON replies that parse against their schema,
 * and schemas a grammar cannot enforce refused with a 400 naming the part.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startTestStack, type TestStack } from "./helpers/stack.ts";

const MODEL = "tiny";
type Tool = OpenAI.Chat.Completions.ChatCompletionTool;

// Bounded on purpose: the junk model never ends a free string, but a grammar of enums and
// booleans always completes.
const weather: Tool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string", enum: ["Paris", "Oslo", "Lima"] }, metric: { type: "boolean" } },
      required: ["city", "metric"],
      additionalProperties: false,
    },
  },
};
const clock: Tool = {
  type: "function",
  function: { name: "get_time", parameters: { type: "object", properties: { zone: { enum: ["utc", "local"] } }, required: ["zone"] } },
};

const expectWeatherArgs = (json: string) => {
  const args = JSON.parse(json) as { city: string; metric: boolean };
  expect(["Paris", "Oslo", "Lima"]).toContain(args.city);
  expect(typeof args.metric).toBe("boolean");
  expect(Object.keys(args).sort()).toEqual(["city", "metric"]);
};

describe("tools and structured output on a local model", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ modelsDir: inject("modelsDir") });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("makes a required call whose arguments follow the function's schema, then answers the tool's result", async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in Paris?" }];
    const first = await stack.client.chat.completions.create({ model: MODEL, messages, tools: [weather, clock], tool_choice: "required", max_tokens: 64, seed: 3 });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("no function call");
    expect(call.id).toMatch(/^call_/);
    expect(["get_weather", "get_time"]).toContain(call.function.name);
    if (call.function.name === "get_weather") expectWeatherArgs(call.function.arguments);
    else expect(["utc", "local"]).toContain((JSON.parse(call.function.arguments) as { zone: string }).zone);
    expect(first.usage?.completion_tokens).toBeGreaterThan(0);

    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: '{"temperature": 21, "sky": "clear"}' });
    const second = await stack.client.chat.completions.create({ model: MODEL, messages, tools: [weather, clock], tool_choice: "none", max_tokens: 12, seed: 3 });
    expect(second.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(second.choices[0]?.message.tool_calls).toBeUndefined();
    expect(second.choices[0]?.finish_reason).toBe("length");
    // The rendered call and its result are part of the prompt now.
    expect(second.usage?.prompt_tokens).toBeGreaterThan(first.usage?.prompt_tokens ?? Number.POSITIVE_INFINITY);
  });

  it("streams a named function's call as tool_calls deltas", async () => {
    const stream = await stack.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Weather?" }],
      tools: [weather, clock],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      max_tokens: 64,
      seed: 5,
      stream: true,
    });
    let args = "";
    let pieces = 0;
    let id = "";
    let name = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const d of choice?.delta.tool_calls ?? []) {
        expect(d.index).toBe(0);
        if (d.id) id = d.id;
        if (d.function?.name) name = d.function.name;
        args += d.function?.arguments ?? "";
        pieces += 1;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(name).toBe("get_weather");
    expect(id).toMatch(/^call_/);
    expect(pieces).toBeGreaterThan(3);
    expectWeatherArgs(args);
    expect(finish).toBe("tool_calls");
  });

  it("with tool_choice auto, either answers in text or makes a valid call, and says which", async () => {
    for (const seed of [1, 2]) {
      const res = await stack.client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Weather in Oslo?" }], tools: [weather], max_tokens: 24, seed });
      const choice = res.choices[0]!;
      const calls = choice.message.tool_calls ?? [];
      if (calls.length > 0) {
        expect(choice.finish_reason).toBe("tool_calls");
        const call = calls[0]!;
        if (call.type === "function") expectWeatherArgs(call.function.arguments);
      } else {
        expect(choice.message.content?.length).toBeGreaterThan(0);
        expect(["length", "stop"]).toContain(choice.finish_reason);
      }
    }
  });

  it("answers in text with tool_choice none", async () => {
    const res = await stack.client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hi" }], tools: [weather], tool_choice: "none", max_tokens: 8 });
    expect(res.choices[0]?.message.tool_calls).toBeUndefined();
    expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it("decodes json_schema and json_object replies under a grammar, so they parse", async () => {
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" }, color: { enum: ["red", "green", "blue"] }, tags: { type: "array", items: { enum: ["a", "b"] }, maxItems: 3 } },
      required: ["ok", "color", "tags"],
      additionalProperties: false,
    };
    for (const seed of [1, 2, 3]) {
      const res = await stack.client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "Describe it as JSON" }],
        response_format: { type: "json_schema", json_schema: { name: "thing", schema, strict: true } },
        max_tokens: 200,
        seed,
      });
      expect(res.choices[0]?.finish_reason).toBe("stop");
      const value = JSON.parse(res.choices[0]?.message.content ?? "") as { ok: boolean; color: string; tags: string[] };
      expect(typeof value.ok).toBe("boolean");
      expect(["red", "green", "blue"]).toContain(value.color);
      expect(value.tags.length).toBeLessThanOrEqual(3);
      for (const t of value.tags) expect(["a", "b"]).toContain(t);
    }
    const object = await stack.client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "JSON please" }], response_format: { type: "json_object" }, max_tokens: 400, seed: 4 });
    const text = object.choices[0]?.message.content ?? "";
    // The junk model may run out of tokens inside a string; what it wrote is JSON so far.
    if (object.choices[0]?.finish_reason === "stop") expect(() => JSON.parse(text)).not.toThrow();
    expect(text.trimStart().startsWith("{")).toBe(true);
  });

  it("refuses a schema the grammar cannot enforce, naming the part, and a tool message that answers no call", async () => {
    const bad = async (body: Record<string, unknown>) => {
      const res = await fetch(`${stack.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: MODEL, max_tokens: 4, ...body }) });
      return { status: res.status, error: ((await res.json()) as { error: { param: string; code: string; message: string } }).error };
    };
    const patterned = await bad({
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { code: { type: "string", pattern: "^[A-Z]+$" } } } } }],
    });
    expect(patterned).toMatchObject({ status: 400, error: { param: "tools[0].function.parameters.properties.code.pattern", code: "unsupported_schema" } });
    const ranged = await bad({ messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "n", schema: { type: "number", minimum: 1 } } } });
    expect(ranged).toMatchObject({ status: 400, error: { param: "response_format.json_schema.schema.minimum" } });
    const orphan = await bad({ messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "call_nope", content: "42" }] });
    expect(orphan.status).toBe(400);
    expect(orphan.error.message).toMatch(/call_nope/);
    const unknownChoice = await bad({ messages: [{ role: "user", content: "x" }], tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } });
    expect(unknownChoice).toMatchObject({ status: 400, error: { param: "tool_choice" } });
  });
});
