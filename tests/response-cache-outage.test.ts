/**
 * The response cache when its database calls fail (a table gone, a database away): every
 * request is still answered upstream, never a 500, and each failure is logged.
 */
import { createLogger } from "@switchyard/shared/log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../edge/src/store/open-store.ts";
import type { Store } from "../edge/src/store/store.ts";
import { cacheOf, chat, ROUTES } from "./helpers/cache-requests.ts";
import { startCloudGateway } from "./helpers/cloud-gateway.ts";

describe("response cache with a store whose cache calls fail", () => {
  let real: Store;
  let gw: Awaited<ReturnType<typeof startCloudGateway>>;
  const lines: string[] = [];

  beforeAll(async () => {
    real = await openStore({ pgliteDir: "memory" });
    const broken = () => Promise.reject(new Error('relation "response_cache" does not exist'));
    const failing = { getCached: broken, putCached: broken, sweepCache: broken };
    const store = new Proxy(real, {
      get(target, name, receiver) {
        if (typeof name === "string" && name in failing) return failing[name as keyof typeof failing];
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    // No memory in front, so every request needs the database.
    gw = await startCloudGateway({ store, routes: ROUTES, env: { CACHE_MEMORY_ENTRIES: "0" }, log: createLogger("test", (l) => lines.push(l)) });
  });
  afterAll(async () => {
    await gw?.stop();
    await real?.close();
  });

  it("answers every request upstream, never a 500, and logs the failures", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await chat(gw.url, undefined, "is the cache there?");
      expect(res.status).toBe(200);
      expect(cacheOf(res)).toBe("miss");
    }
    expect(gw.openai.requests).toHaveLength(2);
    await gw.gateway.deps.inFlight.idle(2_000);
    const log = lines.join("\n");
    expect(log).toMatch(/response cache lookup failed, answering without it: relation "response_cache" does not exist/);
    expect(log).toMatch(/response cache write failed/);
    expect(log).toMatch(/response cache sweep failed/);
  });
});
