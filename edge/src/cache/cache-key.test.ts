import { describe, expect, it } from "vitest";
import { chatRequest, type NormalizedChatRequest } from "../chat/normalized.ts";
import type { Provider } from "../providers/provider.ts";
import type { Target } from "../routing/resolve-target.ts";
import { cacheKey, cacheNamespace } from "./cache-key.ts";

const provider = (name: string): Provider => ({
  name,
  listModels: () => [],
  chat: () => {
    throw new Error("not called");
  },
  embed: () => {
    throw new Error("not called");
  },
});

const target = (over: Partial<Target> = {}): Target => ({ provider: provider("openai"), upstreamModel: "gpt-4o-mini", params: {}, ...over });

const request = (over: Partial<NormalizedChatRequest> = {}): NormalizedChatRequest => chatRequest({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...over });

const key = (over: Partial<NormalizedChatRequest> = {}, t: Target = target(), ns = "open") => cacheKey(ns, t, request(over));

describe("cacheKey", () => {
  it("is a SHA-256 hex digest, the same for the same request whatever its key order or delivery", async () => {
    const a = await key({ passthrough: { logit_bias: { "1": 2, "3": 4 }, frequency_penalty: 0.5 } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await key({ passthrough: { frequency_penalty: 0.5, logit_bias: { "3": 4, "1": 2 } } })).toBe(a);
    // Streamed or not, with usage or not, under another name for the same target: one entry.
    expect(await key({ passthrough: { frequency_penalty: 0.5, logit_bias: { "1": 2, "3": 4 } }, stream: true, includeUsage: true, model: "alias" })).toBe(a);
  });

  it("differs for every parameter that can change the answer", async () => {
    const base = await key();
    const variants: Array<Partial<NormalizedChatRequest>> = [
      { messages: [{ role: "user", content: "hi!" }] },
      { messages: [{ role: "system", content: "hi" }] },
      { maxTokens: 10 },
      { temperature: 0 },
      { topP: 0.5 },
      { stop: ["\n"] },
      { seed: 1 },
      { tools: [{ name: "f", parameters: { type: "object" } }] },
      { toolChoice: "required" },
      { parallelToolCalls: false },
      { responseFormat: { type: "json_object" } },
      { passthrough: { presence_penalty: 1 } },
      { rawPrompt: "hi" },
      { user: "u1" },
    ];
    const keys = await Promise.all(variants.map((v) => key(v)));
    expect(new Set([base, ...keys]).size).toBe(variants.length + 1);
  });

  it("names the target and the namespace", async () => {
    const base = await key();
    expect(await key({}, target({ upstreamModel: "gpt-4o" }))).not.toBe(base);
    expect(await key({}, target({ provider: provider("groq") }))).not.toBe(base);
    expect(await key({}, target(), cacheNamespace("key_a", false))).not.toBe(await key({}, target(), cacheNamespace("key_b", false)));
    expect(await key({}, target(), cacheNamespace("key_a", true))).toBe(await key({}, target(), cacheNamespace("key_b", true)));
  });

  it("applies the route's parameter defaults first: an explicit default equals an omitted one", async () => {
    const withDefault = target({ params: { temperature: 0.3 } });
    expect(await key({}, withDefault)).toBe(await key({ temperature: 0.3 }, withDefault));
    expect(await key({}, withDefault)).not.toBe(await key({}, target()));
  });

  it("keeps namespaces apart: a key, open mode and shared", () => {
    expect(new Set([cacheNamespace("key_a", false), cacheNamespace("key_b", false), cacheNamespace(null, false), cacheNamespace("key_a", true)]).size).toBe(4);
  });
});
