/**
 * The database going away mid-request (#4). Needs a Postgres server to take away, so it runs
 * when TEST_DATABASE_URL is set (as .ci/run does); PGlite lives in-process and cannot vanish.
 *
 * Decision under test: the completion still answers; usage and conversation writes are
 * retried until the database is back (the backlog shows in /ready), never dropped silently.
 */
import { createLogger } from "@switchyard/shared/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../edge/src/store/open-store.ts";
import type { Store } from "../edge/src/store/store.ts";
import { openaiStream } from "./fakes/openai-wire.ts";
import { type CloudGateway, startCloudGateway } from "./helpers/cloud-gateway.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/databases.ts";
import { waitFor } from "./helpers/stack.ts";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.ts";

const ADMIN = "admin-token-for-tests";

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))("the database going away (#4, Postgres server)", () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let store: Store;
  let gw: CloudGateway;
  let key = "";

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    const target = new URL(db.url ?? "");
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(db.url ?? "");
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    store = await openStore({ databaseUrl: viaProxy.toString(), pgliteDir: "unused" });
    gw = await startCloudGateway({ store, env: { ADMIN_TOKEN: ADMIN }, log: createLogger("outage", (l) => process.env.DEBUG_OUTAGE && console.log(l)) });
    const created = await fetch(`${gw.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "outage" }) });
    key = ((await created.json()) as { key: string }).key;
  });
  afterAll(async () => {
    await gw?.stop();
    await store?.close();
    await proxy?.stop();
    await db?.drop();
  });

  it("answers the completion, queues its writes while the database is away, and lands them when it is back", async () => {
    const conv = (await (await fetch(`${gw.url}/v1/conversations`, { method: "POST", headers: { authorization: `Bearer ${key}` } })).json()) as { id: string };
    gw.openai.enqueue(openaiStream("gpt-4o-mini", Array.from({ length: 20 }, (_, i) => `p${i} `), { delayMs: 15 }));
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", stream: true, conversation_id: conv.id, messages: [{ role: "user", content: "during the outage" }] }),
    });
    expect(res.status).toBe(200);
    await proxy.cut();
    const body = await res.text();
    expect(body).toContain("p19");
    expect(body.trim().endsWith("data: [DONE]")).toBe(true);

    await waitFor(() => gw.gateway.deps.writes.backlog >= 2, 10_000, 20);
    const ready = (await (await fetch(`${gw.url}/ready`)).json()) as { store: { pending_writes: number } };
    expect(ready.store.pending_writes).toBeGreaterThanOrEqual(2);
    // A key checked moments ago is still trusted (cached for seconds); one that needs the
    // database gets a clear 503 — not a crash, and not an open door.
    expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const refused = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer sk-sy-${"Z".repeat(32)}` } });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");

    await proxy.restore();
    expect(await gw.gateway.deps.writes.drain(20_000)).toBe(0);
    const usage = (await (await fetch(`${gw.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Array<{ requests: number }> };
    expect(usage.data[0]?.requests).toBe(1);
    const stored = (await (await fetch(`${gw.url}/v1/conversations/${conv.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      messages: Array<{ role: string; content: string }>;
    };
    expect(stored.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored.messages[1]?.content).toContain("p19");
  });
});
