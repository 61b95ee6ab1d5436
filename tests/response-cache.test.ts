/**
 * The exact response cache, on PGlite and (with TEST_DATABASE_URL) on the Postgres server
 * through node-postgres, Neon and the Workers build: a hit is proven by the fake upstream NOT
 * being called. Isolation between keys, shared routes, cache-control, TTL and sweeping,
 * streamed hits on every front door, two gateways on one database, usage and limits, and a
 * cache table that is gone (response-cache-outage.test.ts: a store whose cache calls fail).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicStream } from "./fakes/anthropic-wire.ts";
import { openaiTextCompletion } from "./fakes/openai-completions-wire.ts";
import { openaiCompletion, openaiError, openaiStream } from "./fakes/openai-wire.ts";
import { ADMIN, auth, awayFromMinuteEnd, cacheOf, chat, contentOf, ENV, frames, json, type Json, post, sleep, withoutFresh } from "./helpers/cache-requests.ts";
import { type CloudTarget, startCloudTargets, targetKinds } from "./helpers/cloud-target.ts";

describe.each(targetKinds())("response cache on %s", (kind) => {
  let gw: CloudTarget;
  let other: CloudTarget;

  const newKey = async (body: Json = {}): Promise<{ id: string; key: string }> => {
    const res = await post(gw.url, "/admin/keys", { name: "cache", ...body }, { authorization: `Bearer ${ADMIN}` });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string };
  };
  const sql = async <T>(text: string, values: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: gw.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    // Two gateways on one database, as two instances (or two Workers) would be.
    [gw, other] = (await startCloudTargets(kind, ENV, 2)) as [CloudTarget, CloudTarget];
  });
  afterAll(async () => {
    await other?.stop();
    await gw?.stop();
  });

  // First: open mode ends with the first key.
  it("misses, then hits with the same answer and no upstream call; another gateway on the database hits it too", async () => {
    const first = await chat(gw.url, undefined, "What is a switchyard?");
    expect(first.status).toBe(200);
    expect(cacheOf(first)).toBe("miss");
    const live = await json(first);
    expect(gw.openai.requests).toHaveLength(1);
    const second = await chat(gw.url, undefined, "What is a switchyard?");
    expect(cacheOf(second)).toBe("hit");
    expect(second.headers.get("x-switchyard-provider")).toBe("openai");
    const cached = await json(second);
    expect(gw.openai.requests).toHaveLength(1);
    expect(withoutFresh(cached)).toEqual(withoutFresh(live));
    expect(cached.id).not.toBe(live.id);
    expect(contentOf(cached)).toBe("Hello from the fake OpenAI.");
    // The entry is in the database: a gateway that never saw it answers from it.
    await gw.settle();
    const elsewhere = await chat(other.url, undefined, "What is a switchyard?");
    expect(cacheOf(elsewhere)).toBe("hit");
    expect(withoutFresh(await json(elsewhere))).toEqual(withoutFresh(live));
    expect(other.openai.requests).toHaveLength(0);
    // A route without a cache says nothing about it.
    const plain = await post(gw.url, "/v1/chat/completions", { model: "uncached", messages: [{ role: "user", content: "What is a switchyard?" }] });
    expect(plain.status).toBe(200);
    expect(cacheOf(plain)).toBeNull();
    expect(gw.openai.requests).toHaveLength(2);
  });

  it("bypasses on cache-control: no-cache refreshes the entry, no-store neither reads nor writes", async () => {
    const { key } = await newKey();
    expect(cacheOf(await chat(gw.url, key, "refresh me"))).toBe("miss");
    const before = gw.openai.requests.length;
    gw.openai.enqueue(openaiCompletion("gpt-4o-mini", "A fresher answer."));
    const refreshed = await chat(gw.url, key, "refresh me", {}, { "cache-control": "no-cache" });
    expect(cacheOf(refreshed)).toBe("bypass");
    expect(contentOf(await json(refreshed))).toBe("A fresher answer.");
    expect(gw.openai.requests).toHaveLength(before + 1);
    await gw.settle();
    // no-cache wrote what it got: the next request (on either gateway) is served the fresher answer.
    for (const url of [gw.url, other.url]) {
      const next = await chat(url, key, "refresh me");
      expect(cacheOf(next)).toBe("hit");
      expect(contentOf(await json(next))).toBe("A fresher answer.");
    }
    expect(gw.openai.requests).toHaveLength(before + 1);

    const stored = await chat(gw.url, key, "do not keep this", {}, { "cache-control": "no-store" });
    expect(cacheOf(stored)).toBe("bypass");
    expect(stored.status).toBe(200);
    await gw.settle();
    expect(cacheOf(await chat(gw.url, key, "do not keep this"))).toBe("miss");
    await gw.settle();
    // An entry exists now (the plain miss wrote it); no-store still does not read it.
    const upstream = gw.openai.requests.length;
    expect(cacheOf(await chat(gw.url, key, "do not keep this", {}, { "cache-control": "max-age=0, No-Store" }))).toBe("bypass");
    expect(gw.openai.requests).toHaveLength(upstream + 1);
  });

  it("never serves one key's entry to another; a shared route does", async () => {
    const a = await newKey({ name: "alice" });
    const b = await newKey({ name: "bob" });
    gw.openai.enqueue(openaiCompletion("gpt-4o-mini", "Alice's private answer."));
    expect(cacheOf(await chat(gw.url, a.key, "the same question"))).toBe("miss");
    expect(contentOf(await json(await chat(gw.url, a.key, "the same question")))).toBe("Alice's private answer.");
    await gw.settle();
    const before = gw.openai.requests.length;
    gw.openai.enqueue(openaiCompletion("gpt-4o-mini", "Bob's own answer."));
    const bobs = await chat(gw.url, b.key, "the same question");
    expect(cacheOf(bobs)).toBe("miss");
    expect(contentOf(await json(bobs))).toBe("Bob's own answer.");
    expect(gw.openai.requests).toHaveLength(before + 1);
    // Nor through the database, on a gateway whose memory holds neither.
    const elsewhere = await chat(other.url, b.key, "the same question");
    expect(cacheOf(elsewhere)).toBe("hit");
    expect(contentOf(await json(elsewhere))).toBe("Bob's own answer.");

    gw.openai.enqueue(openaiCompletion("gpt-4o-mini", "One answer for everyone."));
    expect(cacheOf(await post(gw.url, "/v1/chat/completions", { model: "shared-mini", messages: [{ role: "user", content: "shared question" }] }, auth(a.key)))).toBe("miss");
    await gw.settle();
    const upstream = gw.openai.requests.length;
    for (const url of [gw.url, other.url]) {
      const shared = await post(url, "/v1/chat/completions", { model: "shared-mini", messages: [{ role: "user", content: "shared question" }] }, auth(b.key));
      expect(cacheOf(shared)).toBe("hit");
      expect(contentOf(await json(shared))).toBe("One answer for everyone.");
    }
    expect(gw.openai.requests).toHaveLength(upstream);
  });

  it("misses once the TTL has passed, and sweeps expired entries", async () => {
    const { key } = await newKey();
    const short = (content: string) => post(gw.url, "/v1/chat/completions", { model: "short", messages: [{ role: "user", content }] }, auth(key));
    expect(cacheOf(await short("brief one"))).toBe("miss");
    expect(cacheOf(await short("brief two"))).toBe("miss");
    expect(cacheOf(await short("brief one"))).toBe("hit");
    await gw.settle();
    await sleep(1_200);
    const before = gw.openai.requests.length;
    const expiredBy = new Date();
    expect(cacheOf(await short("brief one"))).toBe("miss");
    expect(gw.openai.requests).toHaveLength(before + 1);
    // Not from the database either.
    expect(cacheOf(await post(other.url, "/v1/chat/completions", { model: "short", messages: [{ role: "user", content: "brief two" }] }, auth(key)))).toBe("miss");
    await gw.settle();
    await other.settle();
    expect(gw.logs()).toMatch(/response cache: swept \d+ expired entr/);
    if (gw.databaseUrl) expect(await sql("select key from response_cache where expires_at <= $1", [expiredBy])).toEqual([]);
  });

  it("replays a streamed hit as SSE in the live chunk shapes, ending with [DONE]; a plain request shares the entry", async () => {
    const { key } = await newKey();
    const body = { stream: true, stream_options: { include_usage: true } };
    gw.openai.enqueue(openaiStream("gpt-4o-mini", ["Hel", "lo ", "there"]));
    const live = await chat(gw.url, key, "stream it", body);
    expect(cacheOf(live)).toBe("miss");
    expect(live.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const liveText = await live.text();
    await gw.settle();
    const before = gw.openai.requests.length;
    for (const url of [gw.url, other.url]) {
      const hit = await chat(url, key, "stream it", body);
      expect(cacheOf(hit)).toBe("hit");
      expect(hit.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const text = await hit.text();
      expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
      expect(frames(text)).toEqual(frames(liveText));
      expect(frames(text).length).toBeGreaterThan(5);
    }
    const plain = await chat(gw.url, key, "stream it");
    expect(cacheOf(plain)).toBe("hit");
    expect(contentOf(await json(plain))).toBe("Hello there");
    expect(gw.openai.requests).toHaveLength(before);
    expect(other.openai.requests.filter((r) => JSON.stringify(r.body).includes("stream it"))).toHaveLength(0);
  });

  it("replays streamed hits on /v1/messages and /v1/responses in their own event shapes", async () => {
    const { key } = await newKey();
    const message = { model: "claude-x", max_tokens: 50, stream: true, messages: [{ role: "user", content: "anthropic style" }] };
    gw.anthropic.enqueue(anthropicStream("claude-x", ["Bon", "jour"]));
    const live = await post(gw.url, "/v1/messages", message, auth(key));
    expect(cacheOf(live)).toBe("miss");
    const liveFrames = frames(await live.text());
    expect(liveFrames.map((f) => f.event)).toContain("message_stop");
    await gw.settle();
    const anthropicCalls = gw.anthropic.requests.length;
    const hit = await post(gw.url, "/v1/messages", message, auth(key));
    expect(cacheOf(hit)).toBe("hit");
    expect(frames(await hit.text())).toEqual(liveFrames);
    expect(gw.anthropic.requests).toHaveLength(anthropicCalls);

    const response = { model: "gpt-4o-mini", input: "responses style", stream: true };
    gw.openai.enqueue(openaiStream("gpt-4o-mini", ["Sa", "lut"]));
    const liveResponse = await post(gw.url, "/v1/responses", response, auth(key));
    expect(cacheOf(liveResponse)).toBe("miss");
    const liveEvents = frames(await liveResponse.text());
    expect(liveEvents.map((f) => f.event)).toContain("response.completed");
    await gw.settle();
    const openaiCalls = gw.openai.requests.length;
    const hitResponse = await post(gw.url, "/v1/responses", response, auth(key));
    expect(cacheOf(hitResponse)).toBe("hit");
    expect(frames(await hitResponse.text())).toEqual(liveEvents);
    expect(gw.openai.requests).toHaveLength(openaiCalls);
  });

  it("writes only completed calls: not an upstream error, not a stream the client left", async () => {
    const { key } = await newKey();
    gw.openai.enqueue(openaiError(400, "Bad thing.", "invalid_request_error", "bad"));
    expect((await chat(gw.url, key, "fails first")).status).toBe(400);
    await gw.settle();
    expect(cacheOf(await chat(gw.url, key, "fails first"))).toBe("miss");

    gw.openai.enqueue(openaiStream("gpt-4o-mini", Array.from({ length: 200 }, (_, i) => `w${i} `), { delayMs: 10 }));
    const controller = new AbortController();
    const cut = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth(key) },
      body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "left early" }] }),
      signal: controller.signal,
    });
    expect(cacheOf(cut)).toBe("miss");
    const reader = cut.body!.getReader();
    for (let i = 0; i < 4; i++) await reader.read();
    controller.abort();
    await sleep(200);
    await gw.settle();
    const again = await chat(gw.url, key, "left early", { stream: true });
    expect(cacheOf(again)).toBe("miss");
    await again.text();
  });

  it("never caches a conversation turn: its history lives on the gateway", async () => {
    const { key } = await newKey();
    const conversation = (await (await post(gw.url, "/v1/conversations", {}, auth(key))).json()) as { id: string };
    const before = gw.openai.requests.length;
    for (let i = 0; i < 2; i++) {
      const res = await chat(gw.url, key, "in a conversation", { conversation_id: conversation.id });
      expect(res.status).toBe(200);
      expect(cacheOf(res)).toBe("bypass");
      await gw.settle();
    }
    expect(gw.openai.requests).toHaveLength(before + 2);
  });

  it("caches legacy text completions by their prompt", async () => {
    const { key } = await newKey();
    gw.openai.enqueue(openaiTextCompletion("gpt-3.5-turbo-instruct", " once upon a time"));
    const complete = (prompt: string) => post(gw.url, "/v1/completions", { model: "instruct", prompt, max_tokens: 5 }, auth(key));
    const live = await complete("Tell a story");
    expect(cacheOf(live)).toBe("miss");
    const liveBody = await json(live);
    const before = gw.openai.requests.length;
    const hit = await complete("Tell a story");
    expect(cacheOf(hit)).toBe("hit");
    expect(withoutFresh(await json(hit))).toEqual(withoutFresh(liveBody));
    expect(gw.openai.requests).toHaveLength(before);
    gw.openai.enqueue(openaiTextCompletion("gpt-3.5-turbo-instruct", " another one"));
    expect(cacheOf(await complete("Tell another story"))).toBe("miss");
  });

  it("records hits in usage as cached, counts them for RPM, and charges no tokens for them", async () => {
    await awayFromMinuteEnd();
    const k = await newKey({ name: "tpm", tpm: 25 });
    expect(cacheOf(await chat(gw.url, k.key, "count me"))).toBe("miss"); // 9 + 12 tokens
    await gw.settle();
    for (let i = 0; i < 3; i++) {
      const hit = await chat(i % 2 ? other.url : gw.url, k.key, "count me");
      expect(hit.status).toBe(200);
      expect(cacheOf(hit)).toBe("hit");
    }
    await gw.settle();
    await other.settle();
    // 21 of 25 tokens used: had the hits been charged, this would be over the limit.
    expect((await chat(gw.url, k.key, "a new question")).status).toBe(200);
    await gw.settle();
    const over = await chat(gw.url, k.key, "yet another question");
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe("tpm_exceeded");
    // A hit costs no tokens, so a key out of them is still answered from the cache.
    expect(cacheOf(await chat(gw.url, k.key, "count me"))).toBe("hit");
    await gw.settle();
    await other.settle();
    const usage = (await (await fetch(`${gw.url}/v1/usage`, { headers: auth(k.key) })).json()) as { data: Json[] };
    expect(usage.data).toEqual([
      expect.objectContaining({ key_id: k.id, model: "gpt-4o-mini", requests: 6, cached_requests: 4, prompt_tokens: 18, completion_tokens: 24, total_tokens: 42 }),
    ]);
    if (gw.databaseUrl) {
      const rows = await sql<{ cached: boolean; status: number }>("select cached, status from usage where key_id = $1 order by id", [k.id]);
      expect(rows.filter((r) => r.cached)).toHaveLength(4);
      expect(rows.filter((r) => r.cached).every((r) => r.status === 200)).toBe(true);
    }

    await awayFromMinuteEnd();
    const r = await newKey({ name: "rpm", rpm: 2 });
    expect(cacheOf(await chat(gw.url, r.key, "count me"))).toBe("miss");
    expect(cacheOf(await chat(gw.url, r.key, "count me"))).toBe("hit");
    const third = await chat(gw.url, r.key, "count me");
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("rpm_exceeded");
  });

  // PGlite lives inside the gateway's process, out of this test's reach: the next suite takes
  // that case with a store whose cache calls fail.
  it.runIf(kind !== "pglite")("answers when the cache table is gone, and logs it", async () => {
    const { key } = await newKey();
    await sql("alter table response_cache rename to response_cache_away");
    try {
      for (const target of [gw, other]) {
        const res = await chat(target.url, key, "no table today");
        expect(res.status).toBe(200);
        expect(contentOf(await json(res))).toBe("Hello from the fake OpenAI.");
        await target.settle();
        expect(target.logs()).toMatch(/response cache lookup failed/);
        expect(target.logs()).toMatch(/response cache write failed/);
      }
    } finally {
      await sql("alter table response_cache_away rename to response_cache");
    }
  });
});
