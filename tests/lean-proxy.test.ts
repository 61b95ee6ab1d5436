/**
 * The lean path for OpenAI-compatible upstreams (#13): an OpenAI chat completions client in
 * front of an OpenAI-compatible target gets the upstream's reply byte for byte (whatever it
 * adds that the gateway does not model: logprobs, system_fingerprint, service_tier, new
 * fields), while the gateway still reads usage and finish_reason out of it for accounting.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SseEvent } from "./fakes/fake-upstream.ts";
import { type CloudGateway, startCloudGateway } from "./helpers/cloud-gateway.ts";

const base = { id: "chatcmpl-lean", created: 1741570283, model: "gpt-4o-mini", system_fingerprint: "fp_lean", service_tier: "priority", x_brand_new: { nested: [1, "two"] } };
const logprobs = { content: [{ token: "Hi", logprob: -0.01, bytes: [72, 105], top_logprobs: [] }], refusal: null };

const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => ({
  data: { ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs, finish_reason: finish, x_choice_field: true }], usage: null, ...extra },
});
const usageChunk = { data: { ...base, object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14, prompt_tokens_details: { cached_tokens: 4 }, x_usage_field: 1 } } };
const events: SseEvent[] = [chunk({ role: "assistant", content: "" }, null), chunk({ content: "Hé" }, null), chunk({ content: "llo 🚀" }, null), chunk({}, "stop"), usageChunk, { data: "[DONE]" }];
/** The fake writes each event as `data: <json>\n\n`. */
const wire = (list: SseEvent[]) => list.map((e) => `data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`).join("");

describe("the lean path for OpenAI-compatible upstreams", () => {
  let gw: CloudGateway;
  beforeAll(async () => {
    gw = await startCloudGateway({});
  });
  afterAll(async () => {
    await gw?.stop();
  });
  beforeEach(() => {
    gw.openai.requests.length = 0;
  });

  const post = (body: Record<string, unknown>) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...body }) });

  /** Usage rows of this gateway so far, once its batched writes have landed. */
  const usageRows = async () => {
    await gw.gateway.deps.writes.drain(2_000);
    return gw.store.usageForKey(null, new Date(Date.now() - 60_000));
  };

  it("passes a JSON reply through byte for byte, unknown fields included, and still counts its usage", async () => {
    const body = JSON.stringify({
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi", refusal: null, annotations: [], x_message_field: "kept" }, logprobs, finish_reason: "stop" }],
      usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    gw.openai.enqueue({ kind: "raw", status: 200, body });
    const before = (await usageRows()).reduce((n, r) => n + r.promptTokens, 0);
    const res = await post({ logprobs: true });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(body);
    expect(res.headers.get("x-switchyard-provider")).toBe("openai");
    expect(gw.openai.requests[0]?.body).toMatchObject({ model: "gpt-4o-mini", logprobs: true });
    const after = await usageRows();
    expect(after.reduce((n, r) => n + r.promptTokens, 0) - before).toBe(7);
  });

  it("passes a stream through event by event, unknown fields included, and still counts its usage", async () => {
    gw.openai.enqueue({ kind: "sse", events });
    const res = await post({ stream: true, stream_options: { include_usage: true } });
    expect(await res.text()).toBe(wire(events));
    expect(gw.openai.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const rows = await usageRows();
    expect(rows.some((r) => r.promptTokens >= 11)).toBe(true);
  });

  it("asks the upstream for usage anyway, and drops that chunk when the client did not ask", async () => {
    gw.openai.enqueue({ kind: "sse", events });
    const res = await post({ stream: true });
    expect(await res.text()).toBe(wire(events.filter((e) => e !== usageChunk)));
    expect(gw.openai.requests[0]?.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it("keeps translating where it must: a conversation, an alias, another front door", async () => {
    gw.openai.enqueue({ kind: "sse", events });
    const viaMessages = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    const text = await viaMessages.text();
    expect(text).toContain("event: message_start");
    expect(text).toContain('"text":"Hé"');
    expect(text).not.toContain("x_brand_new");
  });

  it("ends a stream cut short with an error event, never [DONE]", async () => {
    gw.openai.enqueue({ kind: "sse", events: events.slice(0, 3), endAbruptly: true });
    const text = await (await post({ stream: true })).text();
    expect(text.startsWith(wire(events.slice(0, 3)))).toBe(true);
    expect(text).toMatch(/data: \{"error":\{"message":"openai sent a response the gateway could not read/);
    expect(text).not.toContain("[DONE]");
  });

  it("stops the upstream stream when the client goes away mid-stream, and counts it as cancelled", async () => {
    // 200 content chunks, 20 ms apart: 4 s if nobody stops it.
    const long: SseEvent[] = [...Array.from({ length: 200 }, (_, i) => chunk({ content: `w${i} ` }, null)), chunk({}, "stop"), { data: "[DONE]" }];
    gw.openai.enqueue({ kind: "sse", events: long, delayMs: 20 });
    const closedBefore = gw.openai.closedEarly();
    const cancelledBefore = (await gw.gateway.deps.metrics.requests.get()).values.filter((v) => v.labels.status === "499").reduce((n, v) => n + v.value, 0);
    const client = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true }),
      signal: client.signal,
    });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"content":"w0 "');
    const abortedAt = Date.now();
    client.abort();
    // The upstream sees its connection closed well before the stream's 4 s are up.
    while (gw.openai.closedEarly() === closedBefore && Date.now() - abortedAt < 3_000) await new Promise((r) => setTimeout(r, 20));
    expect(gw.openai.closedEarly()).toBe(closedBefore + 1);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    // Booked as the client's cancel (499), as every front door books one.
    const cancelled = async () => (await gw.gateway.deps.metrics.requests.get()).values.filter((v) => v.labels.status === "499").reduce((n, v) => n + v.value, 0);
    while ((await cancelled()) === cancelledBefore && Date.now() - abortedAt < 3_000) await new Promise((r) => setTimeout(r, 20));
    expect(await cancelled()).toBe(cancelledBefore + 1);
  });
});
