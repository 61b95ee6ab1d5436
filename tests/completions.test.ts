/**
 * Legacy text completions (POST /v1/completions, #12) through the openai SDK's
 * `completions.create`: on a local model the raw prompt runs with no chat template; OpenAI
 * targets get the prompt forwarded to their own /v1/completions; Anthropic has none (400).
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openaiTextCompletion, openaiTextStream } from "./fakes/openai-completions-wire.ts";
import { type CloudGateway, startCloudGateway } from "./helpers/cloud-gateway.ts";
import { postRaw, startTestStack, type TestStack } from "./helpers/stack.ts";

const MODEL = "tiny";

async function collect(stream: AsyncIterable<OpenAI.Completions.Completion>) {
  const chunks: OpenAI.Completions.Completion[] = [];
  for await (const c of stream) chunks.push(c);
  const byIndex = new Map<number, string>();
  for (const c of chunks) for (const ch of c.choices) byIndex.set(ch.index, (byIndex.get(ch.index) ?? "") + ch.text);
  const finishes = chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean);
  return { chunks, byIndex, finishes, usage: chunks.find((c) => c.usage)?.usage };
}

describe("legacy completions on a local model", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ modelsDir: inject("modelsDir") });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("completes a raw prompt with no chat template, seeded, to max_tokens (16 by default)", async () => {
    const prompt = "Once upon a time in the switchyard";
    const res = await stack.client.completions.create({ model: MODEL, prompt, max_tokens: 20, seed: 7 });
    expect(res.object).toBe("text_completion");
    expect(res.id).toMatch(/^cmpl-/);
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]).toMatchObject({ index: 0, finish_reason: "length", logprobs: null });
    expect(res.choices[0]?.text.length).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBe(20);
    const again = await stack.client.completions.create({ model: MODEL, prompt, max_tokens: 20, seed: 7 });
    expect(again.choices[0]?.text).toBe(res.choices[0]?.text);
    // The chat template adds its role markers around the same text.
    const chat = await stack.client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: prompt }], max_tokens: 1 });
    expect(res.usage?.prompt_tokens).toBeLessThan(chat.usage?.prompt_tokens ?? 0);
    const short = await stack.client.completions.create({ model: MODEL, prompt });
    expect(short.usage?.completion_tokens).toBe(16);
  });

  it("echoes the prompt, streams, and answers a list of prompts as indexed choices", async () => {
    const echoed = await stack.client.completions.create({ model: MODEL, prompt: "The yard at night", max_tokens: 5, echo: true });
    expect(echoed.choices[0]?.text.startsWith("The yard at night")).toBe(true);
    expect(echoed.choices[0]!.text.length).toBeGreaterThan("The yard at night".length);

    const stream = await stack.client.completions.create({ model: MODEL, prompt: ["first prompt", "second prompt"], max_tokens: 6, stream: true, stream_options: { include_usage: true } });
    const { chunks, byIndex, finishes, usage } = await collect(stream);
    expect([...byIndex.keys()].sort()).toEqual([0, 1]);
    for (const text of byIndex.values()) expect(text.length).toBeGreaterThan(0);
    expect(finishes).toEqual(["length", "length"]);
    expect(chunks.every((c) => c.object === "text_completion")).toBe(true);
    expect(usage?.completion_tokens).toBe(12);

    const listed = await stack.client.completions.create({ model: MODEL, prompt: ["a", "b", "c"], max_tokens: 3 });
    expect(listed.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(listed.usage?.completion_tokens).toBe(9);
  });

  it("refuses n > 1, an empty prompt and a missing prompt with a 400 naming the field", async () => {
    const bad = async (body: unknown, param: string) => {
      const r = await postRaw(stack.url, JSON.stringify(body), {}, "/v1/completions");
      expect(r.status).toBe(400);
      expect(r.json?.error?.param).toBe(param);
    };
    await bad({ model: MODEL, prompt: "x", n: 2 }, "n");
    await bad({ model: MODEL, prompt: "" }, "prompt");
    await bad({ model: MODEL, prompt: ["ok", ""] }, "prompt[1]");
    await bad({ model: MODEL }, "prompt");
  });
});

describe("legacy completions on cloud targets", () => {
  let gw: CloudGateway;
  beforeAll(async () => {
    gw = await startCloudGateway({ routes: { models: [{ name: "claude", provider: "anthropic", model: "claude-haiku-4-5" }] } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("forwards the prompt to an OpenAI-compatible upstream's /v1/completions, JSON and streamed", async () => {
    gw.openai.enqueue(openaiTextCompletion("gpt-3.5-turbo-instruct", " a reply"), openaiTextStream("gpt-3.5-turbo-instruct", ["a", "b", "c"]));
    const res = await gw.client.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "Say", max_tokens: 7, temperature: 0.2 });
    expect(res.choices[0]).toMatchObject({ text: " a reply", finish_reason: "length" });
    expect(res.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 7 });
    expect(gw.openai.requests[0]).toMatchObject({ path: "/v1/completions", body: { model: "gpt-3.5-turbo-instruct", prompt: "Say", max_tokens: 7, temperature: 0.2 } });
    const { byIndex, finishes } = await collect(await gw.client.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "Say", stream: true }));
    expect(byIndex.get(0)).toBe("abc");
    expect(finishes).toEqual(["stop"]);
  });

  it("answers a 400 for an Anthropic target, which has no text completions", async () => {
    const r = await postRaw(gw.url, JSON.stringify({ model: "claude", prompt: "x" }), {}, "/v1/completions");
    expect(r.status).toBe(400);
    expect(r.json?.error?.code).toBe("unsupported_endpoint");
  });
});
