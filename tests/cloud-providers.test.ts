/**
 * Cloud providers through their official SDKs, against local servers that replay each
 * provider's wire format: the client always gets OpenAI shapes, event by event.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicMessage, anthropicStream, anthropicToolUseMessage, anthropicToolUseStream } from "./fakes/anthropic-wire.ts";
import { openaiStream, openaiToolCallCompletion, openaiToolCallStream } from "./fakes/openai-wire.ts";
import { type CloudGateway, startCloudGateway } from "./helpers/cloud-gateway.ts";
import { postRaw } from "./helpers/stack.ts";

const user = (content: string) => [{ role: "user" as const, content }];
const weatherTool = {
  type: "function" as const,
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  const finish = chunks.map((c) => c.choices[0]?.finish_reason).find(Boolean);
  const usage = chunks.find((c) => c.usage)?.usage;
  return { chunks, text, finish, usage };
}

describe("cloud providers", () => {
  let gw: CloudGateway;
  beforeAll(async () => {
    gw = await startCloudGateway({
      routes: {
        models: [
          { name: "fast", alias: "groq/llama-3.1-8b-instant" },
          { name: "support-*", provider: "anthropic", model: "claude-haiku-4-5", params: { max_tokens: 100, stop: ["END"] } },
          { name: "gpt-4o-mini", provider: "openai", params: { temperature: 0.3 } },
        ],
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });
  beforeEach(() => {
    for (const f of [gw.openai, gw.anthropic, gw.groq]) f.requests.length = 0;
  });

  describe("OpenAI", () => {
    it("answers a completion through the SDK, with the route's parameter defaults", async () => {
      const res = await gw.client.chat.completions.create({ model: "gpt-4o-mini", messages: user("Hi") });
      expect(res.choices[0]?.message.content).toBe("Hello from the fake OpenAI.");
      expect(res.usage).toEqual({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 });
      const sent = gw.openai.requests[0]!;
      expect(sent.path).toBe("/v1/chat/completions");
      expect(sent.headers.authorization).toBe("Bearer sk-test-openai");
      expect(sent.body).toMatchObject({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], temperature: 0.3 });
    });

    it("streams chunk by chunk, with usage only when the client asked", async () => {
      gw.openai.enqueue(openaiStream("gpt-4o-mini", ["Hel", "lo", " world"]), openaiStream("gpt-4o-mini", ["a", "b"]));
      const withUsage = await collect(
        await gw.client.chat.completions.create({ model: "gpt-4o-mini", messages: user("Hi"), stream: true, stream_options: { include_usage: true } }),
      );
      expect(withUsage.chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(["", "Hel", "lo", " world", null, null]);
      expect(withUsage.finish).toBe("stop");
      expect(withUsage.usage).toEqual({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
      const plain = await collect(await gw.client.chat.completions.create({ model: "gpt-4o-mini", messages: user("Hi"), stream: true }));
      expect(plain.text).toBe("ab");
      expect(plain.usage).toBeUndefined();
      // The gateway always asks upstream for usage, to account for it.
      expect(gw.openai.requests[1]?.body.stream_options).toEqual({ include_usage: true });
    });

    it("streams tool calls with index, id, name and argument fragments", async () => {
      gw.openai.enqueue(openaiToolCallStream("gpt-4o-mini", "get_weather", ['{"ci', 'ty": "Pa', 'ris"}']));
      const { chunks, finish } = await collect(
        await gw.client.chat.completions.create({ model: "gpt-4o-mini", messages: user("Weather?"), tools: [weatherTool], tool_choice: "auto", stream: true }),
      );
      const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(calls[0]).toMatchObject({ index: 0, id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name: "get_weather" } });
      expect(calls.map((c) => c.function?.arguments).join("")).toBe('{"city": "Paris"}');
      expect(finish).toBe("tool_calls");
      expect(gw.openai.requests[0]?.body.tools).toEqual([weatherTool]);
    });

    it("returns tool calls in a non-streaming completion", async () => {
      gw.openai.enqueue(openaiToolCallCompletion("gpt-4o-mini", "get_weather", '{"city":"Oslo"}'));
      const res = await gw.client.chat.completions.create({ model: "gpt-4o-mini", messages: user("Weather?"), tools: [weatherTool] });
      expect(res.choices[0]?.finish_reason).toBe("tool_calls");
      expect(res.choices[0]?.message.content).toBeNull();
      expect(res.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: "call_abc123", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } });
    });

    it("passes unmodelled OpenAI parameters and response_format through", async () => {
      await postRaw(
        gw.url,
        JSON.stringify({ model: "gpt-4o-mini", messages: user("json"), response_format: { type: "json_object" }, frequency_penalty: 0.4, logit_bias: { "50256": -100 } }),
      );
      expect(gw.openai.requests[0]?.body).toMatchObject({ response_format: { type: "json_object" }, frequency_penalty: 0.4, logit_bias: { "50256": -100 } });
    });
  });

  describe("Anthropic", () => {
    it("translates the request: system lifted, max_tokens default, tools and tool results as blocks", async () => {
      gw.anthropic.enqueue(anthropicToolUseMessage("claude-test-1", "get_weather", { city: "Rome" }));
      const res = await gw.client.chat.completions.create({
        model: "claude-test-1",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Weather in Rome?" },
          { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
          { role: "tool", tool_call_id: "toolu_1", content: "sunny" },
        ],
        tools: [weatherTool],
        tool_choice: "required",
      });
      const sent = gw.anthropic.requests[0]!;
      expect(sent.path).toBe("/v1/messages");
      // SDK 1.x authenticates with a bearer token.
      expect(sent.headers.authorization).toBe("Bearer sk-ant-test");
      expect(sent.body).toMatchObject({
        model: "claude-test-1",
        system: "Be brief.",
        max_tokens: 4096,
        tool_choice: { type: "any" },
        tools: [{ name: "get_weather", description: "Weather for a city", input_schema: weatherTool.function.parameters }],
        messages: [
          { role: "user", content: [{ type: "text", text: "Weather in Rome?" }] },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }] },
        ],
      });
      expect(res.choices[0]?.finish_reason).toBe("tool_calls");
      expect(res.choices[0]?.message.content).toBe("Let me check.");
      expect(res.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: "toolu_01A09q90qw90lq917835lq9", function: { name: "get_weather", arguments: '{"city":"Rome"}' } });
      expect(res.usage).toEqual({ prompt_tokens: 300, completion_tokens: 40, total_tokens: 340 });
    });

    it("maps stop reasons: end_turn, max_tokens, stop_sequence", async () => {
      gw.anthropic.enqueue(
        anthropicMessage("claude-x", "a", "end_turn"),
        anthropicMessage("claude-x", "b", "max_tokens"),
        anthropicMessage("claude-x", "c", "stop_sequence"),
      );
      const reasons = [];
      for (let i = 0; i < 3; i++) reasons.push((await gw.client.chat.completions.create({ model: "claude-x", messages: user("x") })).choices[0]?.finish_reason);
      expect(reasons).toEqual(["stop", "length", "stop"]);
    });

    it("translates the SSE event sequence into chunks, usage included", async () => {
      gw.anthropic.enqueue(anthropicStream("claude-x", ["Bon", "jour"], "max_tokens"));
      const r = await collect(
        await gw.client.chat.completions.create({ model: "claude-x", messages: user("Hi"), stream: true, stream_options: { include_usage: true } }),
      );
      expect(r.text).toBe("Bonjour");
      expect(r.finish).toBe("length");
      expect(r.usage).toEqual({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
    });

    it("streams tool_use input as tool_call argument fragments", async () => {
      gw.anthropic.enqueue(anthropicToolUseStream("claude-x", "get_weather", ['{"city": ', '"Lima"}']));
      const r = await collect(await gw.client.chat.completions.create({ model: "claude-x", messages: user("Weather?"), tools: [weatherTool], stream: true }));
      expect(r.text).toBe("Okay, checking.");
      const calls = r.chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(calls[0]).toMatchObject({ index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", function: { name: "get_weather" } });
      expect(calls.map((c) => c.function?.arguments).join("")).toBe('{"city": "Lima"}');
      expect(r.finish).toBe("tool_calls");
    });

    it("routes a glob to its model with the route's defaults", async () => {
      await gw.client.chat.completions.create({ model: "support-billing", messages: user("x") });
      expect(gw.anthropic.requests[0]?.body).toMatchObject({ model: "claude-haiku-4-5", max_tokens: 100, stop_sequences: ["END"] });
    });

    it("refuses response_format json, which Anthropic lacks", async () => {
      const r = await postRaw(gw.url, JSON.stringify({ model: "claude-x", messages: user("x"), response_format: { type: "json_object" } }));
      expect(r.status).toBe(400);
      expect(r.json?.error?.param).toBe("response_format");
    });
  });

  describe("Groq and aliases", () => {
    it("strips the groq/ prefix and follows aliases", async () => {
      await gw.client.chat.completions.create({ model: "groq/llama-3.3-70b-versatile", messages: user("x") });
      const res = await gw.client.chat.completions.create({ model: "fast", messages: user("y") });
      expect(gw.groq.requests.map((r) => [r.path, r.body.model])).toEqual([
        ["/openai/v1/chat/completions", "llama-3.3-70b-versatile"],
        ["/openai/v1/chat/completions", "llama-3.1-8b-instant"],
      ]);
      expect(res.model).toBe("fast");
      expect(gw.groq.requests[0]?.headers.authorization).toBe("Bearer gsk-test");
    });
  });

  it("lists configured cloud models beside the local ones", async () => {
    const ids = (await gw.client.models.list()).data.map((m) => [m.id, m.owned_by]);
    expect(ids).toEqual(expect.arrayContaining([["fast", "groq"], ["gpt-4o-mini", "openai"]]));
  });
});
