import { silentLogger } from "@switchyard/shared/log";
import { GatewayError } from "@switchyard/shared/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../store/open-store.ts";
import type { ApiKey, Store } from "../store/store.ts";
import { WriteQueue } from "../store/write-queue.ts";
import { Limiter } from "./limiter.ts";

describe("Limiter with request leases", () => {
  let store: Store;
  let key: ApiKey;
  beforeAll(async () => {
    store = await openStore({ pgliteDir: "memory" });
    key = await store.createKey({ id: "key_lease", name: "lease", prefix: "sk-sy-test", hash: "h".repeat(64), rpm: 100 });
  });
  afterAll(async () => {
    await store?.close();
  });

  it("never admits more than the RPM across two gateways, and wastes at most a lease each", async () => {
    const writes = new WriteQueue({ log: silentLogger });
    const gateways = [new Limiter(store, writes), new Limiter(store, writes)];
    const now = new Date(Date.UTC(2026, 10, 22, 12, 0, 30));
    let admitted = 0;
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      try {
        await gateways[i % 2]!.admit(key, "m", now);
        admitted += 1;
      } catch (err) {
        expect(err).toBeInstanceOf(GatewayError);
        expect((err as GatewayError).status).toBe(429);
        refused += 1;
      }
    }
    expect(admitted).toBeLessThanOrEqual(100);
    expect(admitted).toBeGreaterThanOrEqual(100 - 2 * 5);
    expect(admitted + refused).toBe(150);
  });
});

/** The store, with the calls of one of its methods counted. */
function counted(store: Store, method: "takeRequest" | "tokensUsed"): { store: Store; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (prop === method) calls += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

describe("Limiter under concurrent requests", () => {
  let store: Store;
  afterAll(async () => {
    await store?.close();
  });

  it("admits a key's whole RPM when its requests come all at once: one lease taken at a time, none wasted", async () => {
    store = await openStore({ pgliteDir: "memory" });
    const key = await store.createKey({ id: "key_burst", name: "burst", prefix: "sk-sy-burst", hash: "b".repeat(64), rpm: 100 });
    const takes = counted(store, "takeRequest");
    const limiter = new Limiter(takes.store, new WriteQueue({ log: silentLogger }));
    const now = new Date(Date.UTC(2026, 10, 22, 12, 0, 30));
    const results = await Promise.allSettled(Array.from({ length: 120 }, () => limiter.admit(key, "m", now)));
    const admitted = results.filter((r) => r.status === "fulfilled").length;
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ status: 429, code: "rpm_exceeded" });
    expect(admitted).toBe(100);
    // What the database counted for the minute: the admitted requests, no leases thrown away.
    expect(await store.takeRequest(key.id, new Date(Date.UTC(2026, 10, 22, 12, 0)), null, 0)).toBe(100);
    // A full window stays full until it ends: the key's next requests are refused without a round trip.
    const before = takes.calls();
    await expect(limiter.admit(key, "m", now)).rejects.toMatchObject({ status: 429, code: "rpm_exceeded" });
    expect(takes.calls()).toBe(before);
    // A new minute is a new window.
    await expect(limiter.admit(key, "m", new Date(Date.UTC(2026, 10, 22, 12, 1, 0)))).resolves.toMatchObject({ headers: { "x-ratelimit-remaining-requests": "99" } });
  });

  it("fails every request that waited on a lease the database could not give, and asks again on the next", async () => {
    const key = await store.createKey({ id: "key_down", name: "down", prefix: "sk-sy-down", hash: "d".repeat(64), rpm: 100 });
    let down = true;
    const flaky = new Proxy(store, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) =>
          prop === "takeRequest" && down ? Promise.reject(new Error("connection lost")) : (value as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
    const limiter = new Limiter(flaky, new WriteQueue({ log: silentLogger }));
    const now = new Date(Date.UTC(2026, 10, 22, 12, 0, 30));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => limiter.admit(key, "m", now)));
    for (const r of results) expect(r).toMatchObject({ status: "rejected", reason: { status: 503, code: "database_unavailable" } });
    down = false;
    await expect(limiter.admit(key, "m", now)).resolves.toMatchObject({ headers: { "x-ratelimit-remaining-requests": "99" } });
  });

  it("reads a key's token counts once for a burst of requests, not once per request", async () => {
    const key = await store.createKey({ id: "key_tokens", name: "tokens", prefix: "sk-sy-tok", hash: "t".repeat(64), tpm: 1_000_000 });
    const reads = counted(store, "tokensUsed");
    const limiter = new Limiter(reads.store, new WriteQueue({ log: silentLogger }));
    const admissions = await Promise.all(Array.from({ length: 50 }, () => limiter.admit(key, "m", new Date())));
    expect(admissions).toHaveLength(50);
    expect(reads.calls()).toBe(1);
  });
});

describe("Limiter for requests that spend no tokens (response-cache hits)", () => {
  let store: Store;
  afterAll(async () => {
    await store?.close();
  });

  it("counts them against RPM but neither checks nor charges TPM", async () => {
    store = await openStore({ pgliteDir: "memory" });
    const key = await store.createKey({ id: "key_hits", name: "hits", prefix: "sk-sy-hits", hash: "k".repeat(64), rpm: 3, tpm: 10 });
    const writes = new WriteQueue({ log: silentLogger });
    const limiter = new Limiter(store, writes, { exact: true });
    const now = new Date(Date.UTC(2026, 10, 22, 12, 0, 30));
    (await limiter.admit(key, "m", now)).spend(25);
    await writes.drain(2_000);
    await expect(limiter.admit(key, "m", now)).rejects.toMatchObject({ status: 429, code: "tpm_exceeded" });
    const hit = await limiter.admit(key, "m", now, { tokens: false });
    hit.spend(1_000);
    await writes.drain(2_000);
    expect((await store.tokensUsed(key.id, new Date(Date.UTC(2026, 10, 22, 12, 0)), "d:2026-11-22", "m:2026-11")).minute).toBe(25);
    // Three requests taken this minute (the refused one included): the next hit is over RPM.
    await expect(limiter.admit(key, "m", now, { tokens: false })).rejects.toMatchObject({ status: 429, code: "rpm_exceeded" });
  });
});
