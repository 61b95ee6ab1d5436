/**
 * API keys, auth modes, per-key limits and usage, on PGlite and (with TEST_DATABASE_URL) on
 * the Postgres server, through node-postgres, Neon, and the Workers build (where every
 * request has a gateway of its own). Chat goes to a fake OpenAI upstream that reports
 * 9 + 12 tokens.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicMessage } from "./fakes/anthropic-wire.ts";
import { type CloudTarget, startCloudTargets, targetKinds } from "./helpers/cloud-target.ts";

const ADMIN = "admin-token-for-tests";
const chatBody = (model = "gpt-4o-mini") => JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] });

interface Created {
  id: string;
  key: string;
  prefix: string;
}

describe.each(targetKinds())("keys and limits on %s", (kind) => {
  let gw: CloudTarget;
  let other: CloudTarget;

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json", ...init.headers } });
  const createKey = async (body: Record<string, unknown>): Promise<Created> => {
    const res = await admin("/admin/keys", { method: "POST", body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as Created;
  };
  const chat = (url: string, key: string | undefined, model?: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: chatBody(model),
    });

  beforeAll(async () => {
    // A second gateway on the same database, as a second instance would be.
    [gw, other] = (await startCloudTargets(kind, { ADMIN_TOKEN: ADMIN }, 2)) as [CloudTarget, CloudTarget];
  });
  afterAll(async () => {
    await gw?.stop();
    await other?.stop();
  });

  it("is open on loopback while no key exists", async () => {
    expect((await chat(gw.url, undefined)).status).toBe(200);
  });

  it("guards the admin API with ADMIN_TOKEN", async () => {
    expect((await fetch(`${gw.url}/admin/keys`)).status).toBe(401);
    expect((await fetch(`${gw.url}/admin/keys`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it("creates a key shown once; lists never show it or its hash", async () => {
    const created = await createKey({ name: "first" });
    expect(created.key).toMatch(/^sk-sy-[0-9A-Za-z]{32}$/);
    expect(created.prefix).toBe(created.key.slice(0, 10));
    const list = await (await admin("/admin/keys")).text();
    expect(list).toContain(created.id);
    expect(list).not.toContain(created.key);
    expect(list).not.toMatch(/[0-9a-f]{64}/);
  });

  it("needs a key once one exists: missing, invalid, revoked and expired keys are 401", async () => {
    expect((await chat(gw.url, undefined)).status).toBe(401);
    expect((await chat(gw.url, "sk-sy-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).status).toBe(401);
    expect((await chat(gw.url, "not-even-a-key")).status).toBe(401);
    const good = await createKey({ name: "good" });
    expect((await chat(gw.url, good.key)).status).toBe(200);
    // The other gateway recognises it too.
    expect((await chat(other.url, good.key)).status).toBe(200);
    const revoked = await createKey({ name: "to revoke" });
    expect((await admin(`/admin/keys/${revoked.id}`, { method: "DELETE" })).status).toBe(200);
    const r = await chat(gw.url, revoked.key);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("revoked_api_key");
    const expired = await createKey({ name: "expired", expires_at: new Date(Date.now() - 1000).toISOString() });
    const e = await chat(gw.url, expired.key);
    expect(e.status).toBe(401);
    expect(((await e.json()) as { error: { code: string } }).error.code).toBe("expired_api_key");
  });

  it("accepts x-api-key on /v1/messages for the Anthropic SDK", async () => {
    const k = await createKey({ name: "anthropic sdk" });
    gw.anthropic.enqueue(anthropicMessage("claude-x", "hi"));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": k.key, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-x", max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { content: unknown[] }).content[0]).toMatchObject({ type: "text", text: "hi" });
    gw.anthropic.enqueue(anthropicMessage("claude-x", "again"));
    // The SDK itself (1.x sends the key as a bearer token).
    const client = new Anthropic({ baseURL: gw.url, apiKey: k.key, maxRetries: 0 });
    const msg = await client.messages.create({ model: "claude-x", max_tokens: 5, messages: [{ role: "user", content: "x" }] });
    expect(msg.content[0]).toMatchObject({ type: "text", text: "again" });
  });

  it("refuses models outside the key's globs with 403", async () => {
    const k = await createKey({ name: "gpt only", models: ["gpt-*"] });
    expect((await chat(gw.url, k.key, "gpt-4o-mini")).status).toBe(200);
    const r = await chat(gw.url, k.key, "claude-x");
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("model_not_allowed");
  });

  it("holds the RPM limit across two gateways sharing the database", async () => {
    const k = await createKey({ name: "rpm", rpm: 5 });
    const results = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => chat(i % 2 ? other.url : gw.url, k.key)));
    const statuses = results.map((r) => r.status).sort();
    // At a minute boundary the window may roll over once; never more than 5 in one window.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(7);
    const limited = results.find((r) => r.status === 429);
    if (statuses.filter((s) => s === 200).length === 5) {
      expect(limited?.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(limited?.headers.get("x-ratelimit-limit-requests")).toBe("5");
      expect(limited?.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    }
  });

  it("stops a key past its daily token budget with 429 and retry-after", async () => {
    const k = await createKey({ name: "budget", daily_tokens: 30 });
    expect((await chat(gw.url, k.key)).status).toBe(200);
    await gw.settle();
    expect((await chat(gw.url, k.key)).status).toBe(200); // 21 of 30 used: still allowed
    await gw.settle();
    const r = await chat(gw.url, k.key);
    expect(r.status).toBe(429);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("daily_budget_exceeded");
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("stops a key past its tokens per minute", async () => {
    const k = await createKey({ name: "tpm", tpm: 20 });
    const first = await chat(gw.url, k.key);
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("20");
    await gw.settle();
    const r = await chat(other.url, k.key);
    expect(r.status).toBe(429);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("tpm_exceeded");
  });

  it("records usage: the key's own via /v1/usage, everyone's via /admin/usage", async () => {
    const k = await createKey({ name: "usage" });
    for (let i = 0; i < 3; i++) expect((await chat(gw.url, k.key)).status).toBe(200);
    await gw.settle();
    const mine = (await (await fetch(`${gw.url}/v1/usage`, { headers: { authorization: `Bearer ${k.key}` } })).json()) as {
      data: Array<{ key_id: string; model: string; requests: number; total_tokens: number }>;
    };
    expect(mine.data).toEqual([expect.objectContaining({ key_id: k.id, model: "gpt-4o-mini", requests: 3, prompt_tokens: 27, completion_tokens: 36, total_tokens: 63 })]);
    const all = (await (await admin("/admin/usage")).json()) as { data: Array<{ key_id: string }> };
    expect(new Set(all.data.map((r) => r.key_id)).size).toBeGreaterThan(2);
  });

  it("stores awkward names verbatim and refuses oversize ones", async () => {
    for (const name of ["'); DROP TABLE api_keys; --", "Robert'); DELETE FROM usage;--", "名前 🔑 ñ", '"quoted" \\ back'])
      expect((await createKey({ name })).id).toMatch(/^key_/);
    const names = ((await (await admin("/admin/keys")).json()) as { data: Array<{ name: string }> }).data.map((k) => k.name);
    expect(names).toContain("'); DROP TABLE api_keys; --");
    expect(names).toContain("名前 🔑 ñ");
    const long = await admin("/admin/keys", { method: "POST", body: JSON.stringify({ name: "x".repeat(10_000) }) });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { param: string } }).error.param).toBe("name");
    expect((await admin("/admin/keys/nope'--", { method: "PATCH", body: JSON.stringify({ rpm: 1 }) })).status).toBe(404);
    expect((await admin("/admin/keys/%00%27", { method: "DELETE" })).status).toBe(404);
    expect((await admin("/admin/keys", { method: "POST", body: JSON.stringify({ name: "x", rpm: -1 }) })).status).toBe(400);
  });

  it("never writes a key into the logs", async () => {
    const k = await createKey({ name: "secret" });
    await chat(gw.url, k.key);
    await chat(gw.url, `${k.key.slice(0, -1)}X`);
    const logs = `${gw.logs()}\n${other.logs()}`;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(k.key.slice(10));
  });
});
