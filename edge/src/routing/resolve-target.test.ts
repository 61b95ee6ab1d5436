import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ModelCard, Provider } from "../providers/provider.ts";
import { ModelRouter } from "./resolve-target.ts";
import { matryoshkaModels, parseRouteConfig } from "./route-config.ts";

/** Providers that only have a name and (for local) a model list: routing never calls chat() or embed(). */
const provider = (name: string, models: string[] = []): Provider => ({
  name,
  listModels: (): ModelCard[] => models.map((id) => ({ id, ownedBy: name, createdUnixMs: 0, contextWindow: 2048, maxOutputTokens: 2048 })),
  chat: () => {
    throw new Error("not called in routing tests");
  },
  embed: () => {
    throw new Error("not called in routing tests");
  },
});

const providers = () => ({
  local: provider("local", ["llama-3", "gpt-oss-local"]),
  openai: provider("openai"),
  anthropic: provider("anthropic"),
  groq: provider("groq"),
});

const route = (router: ModelRouter, model: string) => router.resolve(model).map((t) => `${t.provider.name}:${t.upstreamModel}`);

describe("ModelRouter", () => {
  it("uses built-in prefixes and local models with no config", () => {
    const r = new ModelRouter(parseRouteConfig({}), providers());
    expect(route(r, "gpt-4o-mini")).toEqual(["openai:gpt-4o-mini"]);
    expect(route(r, "o3-mini")).toEqual(["openai:o3-mini"]);
    expect(route(r, "chatgpt-4o-latest")).toEqual(["openai:chatgpt-4o-latest"]);
    expect(route(r, "text-embedding-3-small")).toEqual(["openai:text-embedding-3-small"]);
    expect(route(r, "claude-opus-4-1")).toEqual(["anthropic:claude-opus-4-1"]);
    expect(route(r, "groq/llama-3.1-8b-instant")).toEqual(["groq:llama-3.1-8b-instant"]);
    expect(route(r, "llama-3")).toEqual(["local:llama-3"]);
    expect(route(r, "unheard-of")).toEqual(["local:unheard-of"]);
  });

  it("prefers a model a worker serves over a built-in prefix", () => {
    const r = new ModelRouter(parseRouteConfig({}), { ...providers(), local: provider("local", ["gpt-oss-20b"]) });
    expect(route(r, "gpt-oss-20b")).toEqual(["local:gpt-oss-20b"]);
  });

  it("resolves exact names before globs, aliases through, and fallbacks in order", () => {
    const r = new ModelRouter(
      parseRouteConfig({
        models: [
          { name: "team-*", provider: "anthropic", model: "claude-haiku-4-5" },
          { name: "team-special", provider: "openai", model: "gpt-4o" },
          { name: "fast", alias: "groq/llama-3.1-8b-instant", params: { temperature: 0.1 } },
          { name: "smart", alias: "team-x", fallbacks: ["fast", "gpt-4o-mini"] },
        ],
      }),
      providers(),
    );
    expect(route(r, "team-special")).toEqual(["openai:gpt-4o"]);
    expect(route(r, "team-other")).toEqual(["anthropic:claude-haiku-4-5"]);
    expect(route(r, "fast")).toEqual(["groq:llama-3.1-8b-instant"]);
    expect(r.resolve("fast")[0]?.params).toEqual({ temperature: 0.1 });
    expect(route(r, "smart")).toEqual(["anthropic:claude-haiku-4-5", "groq:llama-3.1-8b-instant", "openai:gpt-4o-mini"]);
  });

  it("knows which local models take shortened embeddings (matryoshka), by the model a route names", () => {
    const config = parseRouteConfig({
      models: [
        { name: "nomic", provider: "local", model: "nomic-embed-text-v1.5", matryoshka: true },
        { name: "mxbai-*", provider: "local", matryoshka: true },
        { name: "bge", provider: "local", matryoshka: false },
      ],
    });
    const matryoshka = matryoshkaModels(config);
    expect(["nomic-embed-text-v1.5", "mxbai-embed-large", "bge", "nomic"].map(matryoshka)).toEqual([true, true, false, false]);
    expect(() => parseRouteConfig({ models: [{ name: "x", provider: "local", matryoshka: "yes" }] })).toThrow(/matryoshka/);
  });

  it("stops an alias loop with a clear error", () => {
    const r = new ModelRouter(
      parseRouteConfig({
        models: [
          { name: "a", alias: "b" },
          { name: "b", alias: "a" },
        ],
      }),
      providers(),
    );
    expect(() => r.resolve("a")).toThrow(/too deep/);
  });

  it("accepts the example config shipped in examples/", () => {
    const json: unknown = JSON.parse(readFileSync(new URL("../../../examples/switchyard.json", import.meta.url), "utf8"));
    const r = new ModelRouter(parseRouteConfig(json), providers());
    expect(route(r, "local-model")).toEqual(["local:demo-tiny", "openai:gpt-4o-mini"]);
  });

  it("gives each route its cache: the entry's settings over the default, false turns it off, aliases inherit", () => {
    const r = new ModelRouter(
      parseRouteConfig({
        cache: { ttlSeconds: 300 },
        models: [
          { name: "gpt-4o-mini", provider: "openai", cache: { shared: true } },
          { name: "fresh", provider: "openai", model: "gpt-4o", cache: false },
          { name: "short-*", provider: "anthropic", cache: { ttlSeconds: 5 } },
          { name: "mini", alias: "gpt-4o-mini" },
          { name: "own", alias: "gpt-4o-mini", cache: { shared: false } },
        ],
      }),
      providers(),
    );
    expect(r.cacheFor("gpt-4o-mini")).toEqual({ ttlSeconds: 300, shared: true });
    expect(r.cacheFor("fresh")).toBeUndefined();
    expect(r.cacheFor("short-answer")).toEqual({ ttlSeconds: 5, shared: false });
    expect(r.cacheFor("mini")).toEqual({ ttlSeconds: 300, shared: true });
    expect(r.cacheFor("own")).toEqual({ ttlSeconds: 300, shared: false });
    // Routes no entry names take the default.
    expect(r.cacheFor("claude-opus-4-1")).toEqual({ ttlSeconds: 300, shared: false });
  });

  it("has no cache unless configured, and names a cache without a ttl", () => {
    const r = new ModelRouter(parseRouteConfig({ models: [{ name: "x", provider: "openai" }] }), providers());
    expect(r.cacheFor("x")).toBeUndefined();
    expect(r.cacheFor("gpt-4o")).toBeUndefined();
    expect(() => parseRouteConfig({ models: [{ name: "x", provider: "openai", cache: { shared: true } }] })).toThrow(/models\[0\] \("x"\): cache.ttlSeconds/);
    expect(() => parseRouteConfig({ cache: { shared: true } })).toThrow(/cache.ttlSeconds/);
    expect(() => parseRouteConfig({ cache: { ttlSeconds: 0 } })).toThrow(/cache.ttlSeconds/);
    expect(() => parseRouteConfig({ cache: { ttlSeconds: 5, size: 3 } })).toThrow(/cache/);
  });
});
