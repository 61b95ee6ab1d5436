/**
 * Access against a real store (PGlite in memory): a burst of requests that all miss the cache
 * makes one database read, not one each, and invalidate() still wins over a read in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/store.ts";
import { Access } from "./access.ts";
import { KeyHasher } from "./api-key.ts";
import { createApiKey } from "./create-key.ts";

/** The store, with the two reads Access makes counted (and, while `gate` is set, held back). */
function counted(store: Store) {
  const reads = { hasActiveKeys: 0, keyByHash: 0 };
  let gate: Promise<void> | undefined;
  const wrapped: Store = Object.create(store, {
    hasActiveKeys: {
      value: async () => {
        reads.hasActiveKeys++;
        await gate;
        return store.hasActiveKeys();
      },
    },
    keyByHash: {
      value: async (hash: string) => {
        reads.keyByHash++;
        await gate;
        return store.keyByHash(hash);
      },
    },
  });
  return {
    store: wrapped,
    reads,
    hold() {
      let release = () => {};
      gate = new Promise<void>((r) => {
        release = r;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe("Access", () => {
  let store: Store;
  const hasher = new KeyHasher("access-test-secret-0123456789");
  beforeAll(async () => {
    store = await openStore({ pgliteDir: "memory" });
  });
  afterAll(async () => {
    await store.close();
  });

  it("answers a burst of keyless requests in open mode with one read of the keys table", async () => {
    const c = counted(store);
    const access = new Access(c.store, hasher, true);
    const release = c.hold();
    const burst = Array.from({ length: 200 }, () => access.identify(undefined));
    release();
    const callers = await Promise.all(burst);
    expect(callers.every((x) => x.key === null)).toBe(true);
    expect(c.reads.hasActiveKeys).toBe(1);
    // Within the second it stays answered from memory.
    await access.identify(undefined);
    expect(c.reads.hasActiveKeys).toBe(1);
  });

  it("looks a key up once for a burst of requests carrying it, and each gets the key", async () => {
    const { key, record } = await createApiKey(store, hasher, { name: "burst" });
    const c = counted(store);
    const access = new Access(c.store, hasher, true);
    const release = c.hold();
    const burst = Array.from({ length: 200 }, () => access.identify(key));
    // The HMAC is awaited before the lookup: let every request reach the held read.
    await new Promise((r) => setTimeout(r, 50));
    release();
    const callers = await Promise.all(burst);
    expect(callers.map((x) => x.key?.id)).toEqual(Array(200).fill(record.id));
    expect(c.reads.keyByHash).toBe(1);
    // A wrong key still fails, and closed mode (a key exists) does not let it in.
    await expect(access.identify(`${key.slice(0, -1)}${key.endsWith("a") ? "b" : "a"}`)).rejects.toMatchObject({ status: 401 });
    await store.revokeKey(record.id);
  });

  it("a read in flight when invalidate() runs does not write its stale answer back", async () => {
    const c = counted(store);
    const access = new Access(c.store, hasher, true);
    // No active key (the last test revoked its): open.
    const release = c.hold();
    const before = access.openMode();
    // A key is made meanwhile, here: the read in flight may have missed it.
    const { key } = await createApiKey(store, hasher, { name: "made during the read" });
    access.invalidate();
    release();
    await before;
    // The next check reads again, and sees the key: keyless requests are refused.
    await expect(access.identify(undefined)).rejects.toMatchObject({ status: 401 });
    expect(c.reads.hasActiveKeys).toBe(2);
    expect((await access.identify(key)).key).not.toBeNull();
  });

  it("a failed read is not remembered: the burst gets a 503 and the next request reads again", async () => {
    let fail = true;
    const flaky: Store = Object.create(store, {
      hasActiveKeys: { value: async () => (fail ? Promise.reject(new Error("connection refused")) : store.hasActiveKeys()) },
    });
    const access = new Access(flaky, hasher, true);
    const burst = await Promise.allSettled(Array.from({ length: 5 }, () => access.identify(undefined)));
    expect(burst.map((r) => (r.status === "rejected" ? (r.reason as { status?: number }).status : "ok"))).toEqual([503, 503, 503, 503, 503]);
    fail = false;
    // A key exists now (the last test's): closed, 401 rather than 503.
    await expect(access.identify(undefined)).rejects.toMatchObject({ status: 401 });
  });
});
