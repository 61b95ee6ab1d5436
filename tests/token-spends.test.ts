/**
 * Token spends reach the database as one statement per batch (Store.addTokens), on every
 * database the gateway runs on: summed per key, minute, day and month, and all or nothing,
 * so a batch the write queue retries never counts twice what had landed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../edge/src/store/store.ts";
import { createTestDatabase, dbKinds, type TestDatabase } from "./helpers/databases.ts";

const minute = (m: number) => new Date(Date.UTC(2026, 11, 6, 12, m));
const DAY = "d:2026-12-06";
const MONTH = "m:2026-12";

describe.each(dbKinds())("token spends on %s", (kind) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = await db.open();
    for (const id of ["key_a", "key_b"]) await store.createKey({ id, name: id, prefix: `sk-sy-${id}`, hash: id.repeat(16), tpm: 1_000_000 });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("books a batch summed per key and period: minutes apart, their day and month together", async () => {
    await store.addTokens([
      { keyId: "key_a", windowStart: minute(0), day: DAY, month: MONTH, tokens: 10 },
      { keyId: "key_a", windowStart: minute(0), day: DAY, month: MONTH, tokens: 5 },
      { keyId: "key_a", windowStart: minute(1), day: DAY, month: MONTH, tokens: 7 },
      { keyId: "key_b", windowStart: minute(1), day: DAY, month: MONTH, tokens: 100 },
      { keyId: "key_b", windowStart: minute(1), day: DAY, month: MONTH, tokens: 0 },
    ]);
    await store.addTokens([{ keyId: "key_a", windowStart: minute(1), day: DAY, month: MONTH, tokens: 3 }]);
    expect(await store.tokensUsed("key_a", minute(0), DAY, MONTH)).toEqual({ minute: 15, day: 25, month: 25 });
    expect(await store.tokensUsed("key_a", minute(1), DAY, MONTH)).toEqual({ minute: 10, day: 25, month: 25 });
    expect(await store.tokensUsed("key_b", minute(1), DAY, MONTH)).toEqual({ minute: 100, day: 100, month: 100 });
    expect((await store.keyByHash("key_a".repeat(16)))?.lastUsedAt).toBeInstanceOf(Date);
    await store.addTokens([]);
  });

  it("books all of a batch or none of it", async () => {
    const before = await store.tokensUsed("key_a", minute(2), DAY, MONTH);
    // A minute's count past the column's range fails the statement, after key_a's row in it.
    const failing = store.addTokens([
      { keyId: "key_a", windowStart: minute(2), day: DAY, month: MONTH, tokens: 40 },
      { keyId: "key_b", windowStart: minute(2), day: DAY, month: MONTH, tokens: 3_000_000_000 },
    ]);
    await expect(failing).rejects.toThrow();
    expect(await store.tokensUsed("key_a", minute(2), DAY, MONTH)).toEqual(before);
  });
});
