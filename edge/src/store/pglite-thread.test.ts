import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "./open-store.ts";
import type { Store, UsageRow } from "./store.ts";

describe("PGlite in a worker thread", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ pgliteDir: "memory" });
  });
  afterAll(async () => {
    await store?.close();
  });

  it("answers key checks correctly while a large usage batch is being written", async () => {
    const key = await store.createKey({ id: "key_a", name: "a", prefix: "sk-sy-aaaa", hash: "hash-a", rpm: 5 });
    const rows: UsageRow[] = Array.from({ length: 4000 }, (_, i) => ({
      keyId: key.id,
      model: "m",
      target: "local:m",
      promptTokens: i,
      completionTokens: 1,
      latencyMs: 3,
      ttftMs: null,
      status: 200,
      requestId: `r${i}`,
    }));
    const batch = store.recordUsage(rows);
    // Checks posted while the batch is in the thread: each gets its own answer, in order.
    const checks = await Promise.all(Array.from({ length: 20 }, (_, i) => store.keyByHash(i % 2 === 0 ? "hash-a" : "nope")));
    await batch;
    checks.forEach((found, i) => {
      if (i % 2 === 0) expect(found).toMatchObject({ id: "key_a", rpm: 5, hash: "hash-a" });
      else expect(found).toBeUndefined();
    });
    const summary = await store.usageForKey(key.id, new Date(Date.now() - 60_000));
    expect(summary.reduce((n, r) => n + r.requests, 0)).toBe(4000);
    // Timestamps come back as Dates, as with PGlite in process.
    expect((await store.keyByHash("hash-a"))?.createdAt).toBeInstanceOf(Date);
  });

  it("reports a failed statement as an error, and goes on", async () => {
    await expect(store.createKey({ id: "key_a", name: "dup", prefix: "x", hash: "hash-dup" })).rejects.toThrow();
    expect((await store.listKeys()).map((k) => k.id)).toEqual(["key_a"]);
  });
});
