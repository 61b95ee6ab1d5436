/**
 * POST /v1/embeddings driven by the official `openai` client: on local models (real
 * node-llama-cpp on generated GGUFs) over the in-process bus, a real nats-server and, with
 * TEST_DATABASE_URL, the Workers build; and on cloud targets through the OpenAI fake, which
 * replays OpenAI's embeddings wire format (Node, and the Workers build).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeVector, openaiError } from "./fakes/openai-wire.ts";
import { type CloudTarget, startCloudTarget, targetKinds } from "./helpers/cloud-target.ts";
import { type LocalTarget, localKinds, startLocalTarget, waitUntil } from "./helpers/local-target.ts";
import { scrape, total } from "./helpers/prom-text.ts";

/** Embeds (mean pooling), 64 dimensions. */
const MODEL = "tiny";
/** Embeds, and its route says it was trained for shortened vectors. */
const SHORTENABLE = "tiny-mrl";
/** Declares no pooling type: chat only. */
const CHAT_ONLY = "tiny-chat";
const DIMS = 64;

const LOCAL_ROUTES = {
  models: [
    { name: SHORTENABLE, provider: "local", matryoshka: true },
    { name: "emb-fallback", provider: "local", model: "never-served", fallbacks: [MODEL] },
    // Asked for by one test only, so its usage row is that request's alone.
    { name: "emb-usage", provider: "local", model: MODEL },
  ],
};
const CLOUD_ROUTES = {
  models: [{ name: "emb-primary", provider: "openai", model: "text-embedding-3-large", fallbacks: ["text-embedding-3-small"] }],
};

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(url: string, body: unknown, signal?: AbortSignal) {
  const res = await fetch(`${url}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  return { status: res.status, headers: res.headers, json: (await res.json()) as ErrorJson & { data: Array<{ index: number; embedding: number[] | string }> } };
}

const floats = (b64: string) => Array.from(new Float32Array(new Uint8Array(Buffer.from(b64, "base64")).buffer));
const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));

let modelsDir = "";
let routesFile = "";

beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), "sy-embed-models-"));
  await writeTinyLlamaGguf(join(modelsDir, `${MODEL}.gguf`), { seed: 7 });
  await writeTinyLlamaGguf(join(modelsDir, `${SHORTENABLE}.gguf`), { seed: 8 });
  await writeTinyLlamaGguf(join(modelsDir, `${CHAT_ONLY}.gguf`), { seed: 7, pooling: "none" });
  routesFile = join(modelsDir, "routes.json");
  await writeFile(routesFile, JSON.stringify(LOCAL_ROUTES));
});
afterAll(async () => {
  await rm(modelsDir, { recursive: true, force: true });
});

describe.each(localKinds())("embeddings on a local model (%s)", (kind) => {
  let stack: LocalTarget;
  let client: OpenAI;

  beforeAll(async () => {
    stack = await startLocalTarget(kind, { SWITCHYARD_CONFIG: routesFile, SWITCHYARD_ROUTES: JSON.stringify(LOCAL_ROUTES) }, { modelsDir });
    client = stack.client;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("lists which models embed, and at what size", async () => {
    const models = (await (await fetch(`${stack.url}/v1/models`)).json()) as { data: Array<{ id: string; capabilities?: string[]; embedding_dimensions?: number }> };
    const byId = new Map(models.data.map((m) => [m.id, m]));
    expect(byId.get(MODEL)).toMatchObject({ capabilities: ["chat", "completions", "tools", "json_schema", "embeddings"], embedding_dimensions: DIMS });
    expect(byId.get(CHAT_ONLY)?.capabilities).toEqual(["chat", "completions", "tools", "json_schema"]);
    expect(byId.get(CHAT_ONLY)?.embedding_dimensions).toBeUndefined();
  });

  it("answers floats and base64 with the same unit vectors, of the advertised length", async () => {
    const float = await client.embeddings.create({ model: MODEL, input: "hello world, the switch yard", encoding_format: "float" });
    expect(float).toMatchObject({ object: "list", model: MODEL, data: [{ object: "embedding", index: 0 }] });
    const vector = float.data[0]!.embedding;
    expect(vector).toHaveLength(DIMS);
    expect(norm(vector)).toBeCloseTo(1, 5);
    expect(float.usage.prompt_tokens).toBeGreaterThan(3);
    expect(float.usage.total_tokens).toBe(float.usage.prompt_tokens);

    const base64 = await client.embeddings.create({ model: MODEL, input: "hello world, the switch yard", encoding_format: "base64" });
    expect(typeof base64.data[0]!.embedding).toBe("string");
    expect(floats(base64.data[0]!.embedding as unknown as string)).toEqual(vector);
    // The SDK's default: it asks for base64 and decodes it itself.
    const sdkDefault = await client.embeddings.create({ model: MODEL, input: "hello world, the switch yard" });
    expect(Array.from(sdkDefault.data[0]!.embedding)).toEqual(vector);
  });

  it("embeds many inputs in one request, each vector as when embedded alone", async () => {
    const inputs = Array.from({ length: 100 }, (_, i) => `input ${i}: the ${i % 3 === 0 ? "fast" : "small"} model reads ${"word ".repeat(i % 9)}`);
    const res = await post(stack.url, { model: MODEL, input: inputs, encoding_format: "float" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-provider")).toBe("local");
    expect(res.headers.get("x-switchyard-worker")).toBeTruthy();
    expect(res.json.data.map((d) => d.index)).toEqual(inputs.map((_, i) => i));
    for (const i of [0, 37, 99]) {
      const alone = await client.embeddings.create({ model: MODEL, input: inputs[i]!, encoding_format: "float" });
      expect(res.json.data[i]!.embedding).toEqual(alone.data[0]!.embedding);
    }
    expect(res.json.data[1]!.embedding).not.toEqual(res.json.data[2]!.embedding);
  });

  it("gives the same input the same vector every time", async () => {
    const [a, b] = await Promise.all([0, 1].map(() => client.embeddings.create({ model: MODEL, input: ["the yard at night"], encoding_format: "float" })));
    expect(a?.data[0]?.embedding).toEqual(b?.data[0]?.embedding);
  });

  it("takes token arrays: one list of ints, or a list of lists", async () => {
    const tokens = [300, 301, 302, 303];
    const one = await client.embeddings.create({ model: MODEL, input: tokens, encoding_format: "float" });
    const many = await client.embeddings.create({ model: MODEL, input: [tokens, [310, 311]], encoding_format: "float" });
    expect(one.data).toHaveLength(1);
    expect(many.data).toHaveLength(2);
    expect(many.data[0]!.embedding).toEqual(one.data[0]!.embedding);
    expect(many.data[1]!.embedding).toHaveLength(DIMS);
    // Each list plus the BOS token the model adds.
    expect(many.usage.prompt_tokens).toBe(tokens.length + 1 + 2 + 1);
  });

  it("shortens vectors only for a model whose route says it can (matryoshka)", async () => {
    const short = await client.embeddings.create({ model: SHORTENABLE, input: "hello", dimensions: 16, encoding_format: "float" });
    expect(short.data[0]!.embedding).toHaveLength(16);
    expect(norm(short.data[0]!.embedding)).toBeCloseTo(1, 5);
    const same = await client.embeddings.create({ model: MODEL, input: "hello", dimensions: DIMS, encoding_format: "float" });
    expect(same.data[0]!.embedding).toHaveLength(DIMS);
    for (const [model, dimensions] of [
      [MODEL, 16],
      [SHORTENABLE, DIMS + 1],
    ] as const) {
      const res = await post(stack.url, { model, input: "hello", dimensions });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ type: "invalid_request_error", param: "dimensions", code: "unsupported_dimensions" });
    }
  });

  it("refuses bad input with OpenAI's error JSON, naming the input at fault", async () => {
    const cases: Array<[unknown, number, string | null, string]> = [
      [{ model: MODEL, input: "" }, 400, "input", "invalid_value"],
      [{ model: MODEL, input: [] }, 400, "input", "invalid_value"],
      [{ model: MODEL, input: ["fine", ""] }, 400, "input[1]", "invalid_value"],
      [{ model: MODEL, input: ["fine", 7] }, 400, "input[1]", "invalid_value"],
      [{ model: MODEL, input: [[1, 2], []] }, 400, "input[1]", "invalid_value"],
      [{ model: MODEL }, 400, "input", "missing_required_parameter"],
      [{ model: MODEL, input: ["short", "short too", "fine", "the ".repeat(3000)] }, 400, "input[3]", "context_length_exceeded"],
      [{ model: MODEL, input: [[5, 6], [5, 99_999]] }, 400, "input[1]", "invalid_input"],
      [{ model: MODEL, input: "x", encoding_format: "int8" }, 400, "encoding_format", "invalid_value"],
      [{ model: CHAT_ONLY, input: "hello" }, 400, "model", "unsupported_model"],
      [{ model: "no-such-model", input: "hello" }, 404, "model", "model_not_found"],
    ];
    for (const [body, status, param, code] of cases) {
      const res = await post(stack.url, body);
      expect({ body, status: res.status, param: res.json.error?.param, code: res.json.error?.code }).toEqual({ body, status, param, code });
      expect(res.json.error.type).toBe("invalid_request_error");
      expect(res.json.error.message.length).toBeGreaterThan(10);
    }
    await expect(client.embeddings.create({ model: MODEL, input: "" })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it("answers 413 for inputs that do not fit one bus message, saying how big they are", async () => {
    const res = await post(stack.url, { model: MODEL, input: Array.from({ length: 300 }, (_, i) => `${i} ${"water ".repeat(700)}`) });
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({ type: "invalid_request_error", code: "payload_too_large" });
    expect(res.json.error.message).toMatch(/at most \d+ bytes per message/);
  });

  it("falls back as the route allows", async () => {
    const res = await client.embeddings.create({ model: "emb-fallback", input: "hello", encoding_format: "float" });
    const direct = await client.embeddings.create({ model: MODEL, input: "hello", encoding_format: "float" });
    expect(res.data[0]!.embedding).toEqual(direct.data[0]!.embedding);
  });

  it("serves requests beyond its slots from the queue, each with its own vectors", async () => {
    const inputs = (n: number) => Array.from({ length: 24 }, (_, i) => `request ${n} input ${i}`);
    const results = await Promise.all([0, 1, 2, 3, 4].map((n) => client.embeddings.create({ model: MODEL, input: inputs(n), encoding_format: "float" })));
    const first = await client.embeddings.create({ model: MODEL, input: inputs(3), encoding_format: "float" });
    expect(results.map((r) => r.data.length)).toEqual([24, 24, 24, 24, 24]);
    expect(results[3]!.data.map((d) => d.embedding)).toEqual(first.data.map((d) => d.embedding));
  });

  it("records a usage row per request, and counts it in /metrics", async () => {
    const res = await client.embeddings.create({ model: "emb-usage", input: ["count me", "and me"], encoding_format: "float" });
    await stack.settle();
    type Row = { model: string; requests: number; prompt_tokens: number; completion_tokens: number };
    let row: Row | undefined;
    // Through the NatsHub the writes run in the Durable Object, past what settle() waits for.
    await waitUntil(async () => {
      row = ((await (await fetch(`${stack.url}/v1/usage`)).json()) as { data: Row[] }).data.find((r) => r.model === "emb-usage");
      return row !== undefined;
    }, 5_000);
    expect(row).toMatchObject({ requests: 1, prompt_tokens: res.usage.prompt_tokens, completion_tokens: 0 });
    // A Workers gateway lives for one request, and its counters with it.
    if (kind.startsWith("workers")) return;
    const metrics = await scrape(`${stack.url}/metrics`);
    expect(total(metrics, "switchyard_requests_total", { model: "emb-usage", target: `local:${MODEL}`, status: "200" })).toBe(1);
    expect(total(metrics, "switchyard_requests_total", { model: CHAT_ONLY, status: "400" })).toBeGreaterThanOrEqual(1);
    expect(total(metrics, "switchyard_tokens_total", { model: "emb-usage", kind: "prompt" })).toBe(res.usage.prompt_tokens);
    // A made-up name (the 404 above) gets no series of its own: clients cannot grow /metrics without end.
    expect(total(metrics, "switchyard_requests_total", { model: "(unknown)", target: "none", status: "404" })).toBeGreaterThanOrEqual(1);
    expect(metrics.filter((s) => s.labels.model === "no-such-model")).toEqual([]);
  });

  // Skipped on Workers for workerd's limitation, not ours (cloudflare/workers-sdk#6467,
  // cloudflare/workerd#3735): a client that gives up before the response starts never aborts
  // the Worker's request.signal, even with enable_request_signal (0 of 10 in a bare Worker under
  // Miniflare), and an embeddings answer is never streamed.
  it.skipIf(kind.startsWith("workers"))("a client that disconnects stops the work on the worker and frees its slot", async () => {
    // 100 inputs of ~1,900 tokens: seconds of work on this model, in a request under the bus's 1 MB.
    const controller = new AbortController();
    const cancelled = await stack.finishedRequests("cancelled");
    const pending = post(stack.url, { model: MODEL, input: Array.from({ length: 100 }, (_, i) => `${i} ${"the ".repeat(1900)}`) }, controller.signal).catch((e: unknown) => e);
    await waitUntil(async () => (await stack.reservedSlots(MODEL)) === 1, 5_000);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    const freedIn = await waitUntil(async () => (await stack.reservedSlots(MODEL)) === 0, 2_000);
    expect(freedIn).toBeLessThan(2_000);
    expect(await stack.activeRequests()).toBe(0);
    // Stopped by the cancel, not finished.
    expect(await stack.finishedRequests("cancelled")).toBe(cancelled + 1);
  });
});

describe.each(targetKinds().filter((k) => k === "pglite" || k === "workers"))("embeddings on a cloud target (%s)", (kind) => {
  let gw: CloudTarget;
  let client: OpenAI;

  beforeAll(async () => {
    gw = await startCloudTarget(kind, { SWITCHYARD_ROUTES: JSON.stringify(CLOUD_ROUTES) });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("passes OpenAI's vectors through as floats and as base64, asking the upstream for base64", async () => {
    const inputs = ["the quick brown fox", "jumped over the lazy dog"];
    const float = await client.embeddings.create({ model: "text-embedding-3-small", input: inputs, encoding_format: "float" });
    expect(float).toMatchObject({ object: "list", model: "text-embedding-3-small" });
    expect(float.data.map((d) => d.embedding)).toEqual(inputs.map((input) => Array.from(fakeVector(input, 1536))));
    const sent = gw.openai.requests.at(-1)!;
    expect(sent.path).toBe("/v1/embeddings");
    expect(sent.body).toMatchObject({ model: "text-embedding-3-small", input: inputs, encoding_format: "base64" });
    expect(float.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });

    const base64 = await client.embeddings.create({ model: "text-embedding-3-small", input: inputs, encoding_format: "base64" });
    expect(floats(base64.data[1]!.embedding as unknown as string)).toEqual(float.data[1]!.embedding);
  });

  it("passes token arrays, dimensions and user on", async () => {
    const res = await client.embeddings.create({ model: "text-embedding-3-small", input: [[1, 2, 3]], dimensions: 256, user: "u-1", encoding_format: "float" });
    expect(res.data[0]!.embedding).toHaveLength(256);
    expect(gw.openai.requests.at(-1)!.body).toMatchObject({ input: [[1, 2, 3]], dimensions: 256, user: "u-1" });
  });

  it("keeps an upstream 400 a 400 with its message, and falls back on 5xx as the route allows", async () => {
    gw.openai.enqueue(openaiError(400, "This model does not support specifying dimensions.", "invalid_request_error", null));
    const refused = await post(gw.url, { model: "text-embedding-ada-002", input: "x", dimensions: 8 });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain("does not support specifying dimensions");

    const outage = openaiError(503, "The server is overloaded.", "server_error", null);
    gw.openai.enqueue(outage, outage, outage);
    const before = gw.openai.requests.length;
    const res = await post(gw.url, { model: "emb-primary", input: "hello" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-switchyard-provider")).toBe("openai");
    const tried = gw.openai.requests.slice(before).map((r) => r.body.model);
    expect(tried).toEqual(["text-embedding-3-large", "text-embedding-3-large", "text-embedding-3-large", "text-embedding-3-small"]);
  });

  it("refuses an Anthropic model: Anthropic has no embeddings", async () => {
    const before = gw.anthropic.requests.length;
    const res = await post(gw.url, { model: "claude-haiku-4-5", input: "hello" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: "invalid_request_error", param: "model", code: "unsupported_model" });
    expect(gw.anthropic.requests.length).toBe(before);
  });

  it("records a usage row with the upstream's token count", async () => {
    await client.embeddings.create({ model: "text-embedding-3-small", input: "12345678", encoding_format: "float" });
    await gw.settle();
    const usage = (await (await fetch(`${gw.url}/v1/usage`)).json()) as { data: Array<{ model: string; requests: number; prompt_tokens: number }> };
    const row = usage.data.find((r) => r.model === "text-embedding-3-small");
    expect(row?.requests).toBeGreaterThanOrEqual(4);
    expect(row?.prompt_tokens).toBeGreaterThanOrEqual(11 + 3 + 2);
  });
});

describe("limits apply to embeddings", () => {
  let gw: CloudTarget;
  const ADMIN = "admin-token-for-embeddings";

  beforeAll(async () => {
    gw = await startCloudTarget("pglite", { ADMIN_TOKEN: ADMIN });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("checks the key's models and requests per minute", async () => {
    const created = await fetch(`${gw.url}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ name: "embed", models: ["text-embedding-*"], rpm: 1 }),
    });
    const { key } = (await created.json()) as { key: string };
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    await expect(client.embeddings.create({ model: "gpt-4o-mini", input: "x" })).rejects.toMatchObject({ status: 403 });
    const ok = await client.embeddings.create({ model: "text-embedding-3-small", input: "x", encoding_format: "float" });
    expect(ok.data).toHaveLength(1);
    await expect(client.embeddings.create({ model: "text-embedding-3-small", input: "y" })).rejects.toMatchObject({ status: 429 });
  });
});
