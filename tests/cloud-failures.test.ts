/**
 * Cloud failures keep their meaning: retries before the first byte, fallback chains, no
 * silent switch once streaming, and clear errors for missing keys, hangs and broken streams.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@switchyard/shared/log";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gatewayConfigFromEnv } from "../edge/src/config.ts";
import { startEmbedded } from "../edge/src/embedded.ts";
import { ConfigError, parseRouteConfig } from "../edge/src/routing/route-config.ts";
import { anthropicStreamEvents } from "./fakes/anthropic-wire.ts";
import { openaiError, openaiStreamEvents } from "./fakes/openai-wire.ts";
import { type CloudGateway, startCloudGateway } from "./helpers/cloud-gateway.ts";
import { postRaw } from "./helpers/stack.ts";

const user = (content: string) => [{ role: "user" as const, content }];
const fast503 = () => openaiError(503, "The server is overloaded", "server_error", null, { "retry-after-ms": "5" });

describe("retries and error mapping", () => {
  let gw: CloudGateway;
  beforeAll(async () => {
    gw = await startCloudGateway({
      routes: {
        models: [
          { name: "primary", provider: "openai", model: "gpt-4o", fallbacks: ["claude-fallback"] },
          { name: "local-model", provider: "local", fallbacks: ["gpt-4o-mini"] },
          { name: "streamer", provider: "openai", model: "gpt-4o", fallbacks: ["claude-fallback"] },
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

  it("retries 5xx before answering", async () => {
    gw.openai.enqueue(fast503(), fast503());
    const res = await gw.client.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") });
    expect(res.choices[0]?.message.content).toBe("Hello from the fake OpenAI.");
    expect(gw.openai.requests).toHaveLength(3);
  });

  it("answers 429 with retry-after once retries are spent", async () => {
    const limited = () => openaiError(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded", { "retry-after": "0" });
    gw.openai.enqueue(limited(), limited(), limited());
    const r = await postRaw(gw.url, JSON.stringify({ model: "gpt-4o-mini", messages: user("x") }));
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("0");
    expect(r.json?.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    expect(gw.openai.requests).toHaveLength(3);
  });

  it("keeps an upstream 400 as a 400 with its message", async () => {
    gw.openai.enqueue(openaiError(400, "Invalid value for 'temperature': must be <= 2.", "invalid_request_error", "invalid_value"));
    const r = await postRaw(gw.url, JSON.stringify({ model: "gpt-4o-mini", messages: user("x") }));
    expect(r.status).toBe(400);
    expect(r.json?.error?.message).toBe("Invalid value for 'temperature': must be <= 2.");
  });

  it("turns a rejected provider key into a 502 that names the variable", async () => {
    gw.openai.enqueue(openaiError(401, "Incorrect API key provided: sk-test***", "invalid_request_error", "invalid_api_key"));
    const r = await postRaw(gw.url, JSON.stringify({ model: "gpt-4o-mini", messages: user("x") }));
    expect(r.status).toBe(502);
    expect(r.json?.error?.code).toBe("provider_auth_error");
    expect(r.json?.error?.message).toContain("OPENAI_API_KEY");
  });

  it("falls back when the primary answers 503 after its retries", async () => {
    gw.openai.enqueue(fast503(), fast503(), fast503());
    const { data, response } = await gw.client.chat.completions.create({ model: "primary", messages: user("x") }).withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello from the fake Anthropic.");
    expect(response.headers.get("x-switchyard-provider")).toBe("anthropic");
    expect(gw.openai.requests).toHaveLength(3);
    expect(gw.anthropic.requests[0]?.body.model).toBe("claude-fallback");
  });

  it("falls back from a local model with no worker to a cloud model", async () => {
    const res = await gw.client.chat.completions.create({ model: "local-model", messages: user("x") });
    expect(res.choices[0]?.message.content).toBe("Hello from the fake OpenAI.");
    expect(gw.openai.requests[0]?.body.model).toBe("gpt-4o-mini");
  });

  it("never switches once streaming began: a mid-stream failure is an error event", async () => {
    const events = openaiStreamEvents("gpt-4o", ["one ", "two ", "three"]).slice(0, 3);
    gw.openai.enqueue({ kind: "sse", events, endAbruptly: true });
    const stream = await gw.client.chat.completions.create({ model: "streamer", messages: user("x"), stream: true });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(text).toBe("one two ");
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(gw.anthropic.requests).toHaveLength(0);
  });

  it("ends the stream with an error event when the upstream sends invalid JSON", async () => {
    const events = [...openaiStreamEvents("gpt-4o-mini", ["ok"]).slice(0, 2), { data: "{not json" }];
    gw.openai.enqueue({ kind: "sse", events });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: user("x"), stream: true }),
    });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('"content":"ok"');
    expect(body).toMatch(/data: \{"error":\{"message":"openai sent a response the gateway could not read/);
    expect(body).not.toContain("[DONE]");
  });

  it("ends an Anthropic stream that reports an error event with a 503-style error event", async () => {
    const events = anthropicStreamEvents("claude-x", ["partial"]).slice(0, 4);
    events.push({ event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    gw.anthropic.enqueue({ kind: "sse", events });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-x", messages: user("x"), stream: true }),
    });
    const body = await res.text();
    expect(body).toContain('"content":"partial"');
    expect(body).toMatch(/"code":"upstream_overloaded"/);
  });
});

describe("a route whose key is missing", () => {
  let gw: CloudGateway;
  beforeAll(async () => {
    gw = await startCloudGateway({ omitKeys: ["GROQ_API_KEY"] });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("answers 503 naming the variable, and other routes keep working", async () => {
    const r = await postRaw(gw.url, JSON.stringify({ model: "groq/llama-3.1-8b-instant", messages: user("x") }));
    expect(r.status).toBe(503);
    expect(r.json?.error?.code).toBe("provider_not_configured");
    expect(r.json?.error?.message).toContain("GROQ_API_KEY");
    const ok = await gw.client.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") });
    expect(ok.choices[0]?.message.content).toBe("Hello from the fake OpenAI.");
  });
});

describe("an upstream that hangs", () => {
  let gw: CloudGateway;
  beforeAll(async () => {
    gw = await startCloudGateway({ env: { UPSTREAM_TIMEOUT_MS: "300", UPSTREAM_MAX_RETRIES: "0" } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("times out with a 504", async () => {
    gw.openai.enqueue({ kind: "hang" });
    const started = Date.now();
    const r = await postRaw(gw.url, JSON.stringify({ model: "gpt-4o-mini", messages: user("x") }));
    expect(r.status).toBe(504);
    expect(r.json?.error?.code).toBe("upstream_timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe("the routing config", () => {
  let dir = "";
  afterEach(() => {});

  it("rejects an unknown provider, naming the entry", () => {
    expect(() => parseRouteConfig({ models: [{ name: "ok", provider: "openai" }, { name: "bad", provider: "mistral" }] }, "sy.json")).toThrow(
      /sy\.json: models\[1\] \("bad"\): unknown provider "mistral"/,
    );
    expect(() => parseRouteConfig({ models: [{ name: "x" }] })).toThrow(ConfigError);
    expect(() => parseRouteConfig({ models: [{ name: "x", provider: "openai", colour: "red" }] })).toThrow(/colour/);
  });

  it("stops the start of the stack when the file is bad", async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-config-"));
    const path = join(dir, "switchyard.json");
    await writeFile(path, JSON.stringify({ models: [{ name: "fast", provider: "nope" }] }));
    const config = gatewayConfigFromEnv({ PORT: "0", SWITCHYARD_CONFIG: path });
    await expect(startEmbedded(config, { SWITCHYARD_CONFIG: path }, silentLogger)).rejects.toThrow(/models\[0\] \("fast"\): unknown provider "nope"/);
  });
});
