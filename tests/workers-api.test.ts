/**
 * The Workers build of the edge under Miniflare (workerd), against real parts: a gpu-node
 * process on the test nats-server (TCP), the Worker on its WebSocket listener, Postgres
 * through the Neon driver and the relay. What is Workers' own, under both NATS designs (a
 * connection per request, the NatsHub Durable Object): the bus and store it reports, a view
 * of the pool that stays live across requests, writes after the response, keys and limits
 * with a gateway per request, and its database relay or NATS unreachable. The shared suites
 * (API, keys, conversations, /v1/messages, speech) run on the Workers build as well.
 * Needs a Postgres server (TEST_DATABASE_URL, as in CI): Workers have no PGlite, so without
 * one the suite is skipped (#10 leaves a PGlite-backed variant to do).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/databases.ts";
import { freePort } from "./helpers/free-port.ts";
import { stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { postRaw } from "./helpers/stack.ts";
import { startWorkersEdge, type WorkersEdge } from "./helpers/workers-edge.ts";

const MODEL = "tiny";
const ADMIN = "admin-token-for-workers";
const user = (content: string) => [{ role: "user" as const, content }];

describe.skipIf(!process.env.TEST_DATABASE_URL).each([{ mode: "per-request" }, { mode: "hub" }])("the edge on Workers (miniflare), NATS_MODE=$mode", ({ mode }) => {
  const prefix = `w${Math.random().toString(36).slice(2, 8)}`;
  let db: TestDatabase;
  let edge: WorkersEdge;
  let worker: WorkerProcess;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    await (await db.open()).close(); // migrated from Node, as `npm run db:migrate` does
    worker = await spawnGpuNode({ natsUrl: inject("natsUrl"), modelsDir: inject("modelsDir"), workerId: "w-edge", slots: 2, env: { SY_SUBJECT_PREFIX: prefix, LLAMA_CONTEXT_SIZE: "2048" } });
    edge = await startWorkersEdge({ bundleDir: inject("edgeBundleDir"), natsWsUrl: inject("natsWsUrl"), databaseUrl: db.url!, prefix, bindings: { ADMIN_TOKEN: ADMIN, NATS_MODE: mode } });
  });
  afterAll(async () => {
    await edge?.stop();
    if (worker) await stopChild(worker.child);
    await db?.drop();
  });

  it("is up and ready, with the bus connected over WebSocket", async () => {
    expect((await fetch(`${edge.url}/health`)).status).toBe(200);
    const ready = await fetch(`${edge.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, bus: { kind: "nats-ws", connected: true }, store: { driver: "neon" } });
  });

  it("keeps the hub's own paths away from clients: the front answers them 404", async () => {
    const res = await fetch(`${edge.url}/__hub/cancel`, { method: "POST", headers: { "x-switchyard-hub-call": "anything" } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("keeps a live view of the pool across requests, past the status ttl", async () => {
    // Statuses older than SY_STATUS_TTL_MS (2 s here) are forgotten: the view must be refreshed, not kept.
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await edge.client.models.list()).data.map((m) => m.id)).toContain(MODEL);
  });

  it("keeps that view live under steady traffic: requests back to back for longer than the ttl", async () => {
    // Each per-request gateway hands its view to the next; aged from when it was handed on
    // rather than from when it was read, it outlived the statuses in it and the pool looked empty.
    const until = Date.now() + 3_500;
    let requests = 0;
    while (Date.now() < until) {
      const models = (await (await fetch(`${edge.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toContain(MODEL);
      requests += 1;
    }
    expect(requests).toBeGreaterThan(20);
  });

  it("keeps a conversation through Neon: history upstream, turns stored", async () => {
    const created = await fetch(`${edge.url}/v1/conversations`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const reply = await postRaw(edge.url, JSON.stringify({ model: MODEL, messages: user("first turn"), max_tokens: 5, conversation_id: id }));
    expect(reply.status).toBe(200);
    // The turn is written through ctx.waitUntil after the response: it lands shortly after.
    let messages: Array<{ role: string; content: string }> = [];
    const until = Date.now() + 5_000;
    while (messages.length < 2 && Date.now() < until) {
      messages = ((await (await fetch(`${edge.url}/v1/conversations/${id}`)).json()) as { messages: typeof messages }).messages;
      if (messages.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(messages[0]?.content).toBe("first turn");
  });

  it("needs a key once one exists, created through the admin API", async () => {
    const made = await fetch(`${edge.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ name: "edge" }) });
    expect(made.status).toBe(201);
    const { key } = (await made.json()) as { key: string };
    // Each request on Workers has a gateway of its own: the key counts from the next request on.
    const without = await postRaw(edge.url, JSON.stringify({ model: MODEL, messages: user("hi"), max_tokens: 2 }));
    expect(without.status).toBe(401);
    const keyed = new OpenAI({ baseURL: `${edge.url}/v1`, apiKey: key, maxRetries: 0 });
    const ok = await keyed.chat.completions.create({ model: MODEL, messages: user("hi"), max_tokens: 2 });
    expect(ok.usage?.completion_tokens).toBe(2);
  });

  it("holds an RPM limit although every request has a gateway of its own", async () => {
    const made = await fetch(`${edge.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ name: "rpm", rpm: 5 }) });
    const { key } = (await made.json()) as { key: string };
    const results = await Promise.all(
      Array.from({ length: 7 }, () => postRaw(edge.url, JSON.stringify({ model: MODEL, messages: user("hi"), max_tokens: 2 }), { authorization: `Bearer ${key}` })),
    );
    const ok = results.filter((r) => r.status === 200).length;
    // At a minute boundary the window may roll over once; never more than 5 in one window.
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(7);
    if (ok === 5) expect(results.find((r) => r.status === 429)?.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

/** A Workers edge on a fresh, migrated database, with one part of its surroundings broken. */
function brokenEdge(setup: () => Promise<{ prefix: string; natsWsUrl?: string; bindings: Record<string, string> }>) {
  const parts: { db?: TestDatabase; edge?: WorkersEdge } = {};
  beforeAll(async () => {
    const o = await setup();
    parts.db = await createTestDatabase("postgres");
    await (await parts.db.open()).close();
    parts.edge = await startWorkersEdge({ bundleDir: inject("edgeBundleDir"), natsWsUrl: o.natsWsUrl ?? inject("natsWsUrl"), databaseUrl: parts.db.url!, prefix: o.prefix, bindings: o.bindings });
  });
  afterAll(async () => {
    await parts.edge?.stop();
    await parts.db?.drop();
  });
  return () => parts.edge!;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)("the Workers edge with its database relay down", () => {
  const edge = brokenEdge(async () => ({ prefix: "relay-down", bindings: { DATABASE_RELAY_URL: `ws://127.0.0.1:${await freePort()}` } }));

  it("answers key checks with 503 database_unavailable, never a hang", async () => {
    const started = performance.now();
    const r = await postRaw(edge().url, JSON.stringify({ model: MODEL, messages: user("hi") }), { authorization: `Bearer sk-sy-${"a".repeat(32)}` });
    expect(r.status).toBe(503);
    expect(r.json?.error?.code).toBe("database_unavailable");
    expect(performance.now() - started).toBeLessThan(6_000);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL).each([{ mode: "per-request" }, { mode: "hub" }])("the Workers edge with NATS unreachable, NATS_MODE=$mode", ({ mode }) => {
  const edge = brokenEdge(async () => ({ prefix: "unreachable", natsWsUrl: `ws://127.0.0.1:${await freePort()}`, bindings: { ACCEPT_TIMEOUT_MS: "500", NATS_MODE: mode } }));

  it("answers 503 bus_unavailable within the accept timeout, never a hang", async () => {
    const started = performance.now();
    const r = await postRaw(edge().url, JSON.stringify({ model: MODEL, messages: user("anyone?") }));
    expect(r.status).toBe(503);
    expect(r.json?.error?.code).toBe("bus_unavailable");
    expect(performance.now() - started).toBeLessThan(2_500);
  });
});
