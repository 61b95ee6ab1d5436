/**
 * The chat page's HTTP side on both builds: the page and its hashed assets, their caching and
 * security headers, revalidation, and unknown assets as OpenAI errors. (tests/browser-chat
 * drives the page itself.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalTarget, localKinds, startLocalTarget } from "./helpers/local-target.ts";

describe.each(localKinds().filter((k) => k === "in-process" || k === "workers"))("the chat page on %s", (kind) => {
  let target: LocalTarget;
  beforeAll(async () => {
    target = await startLocalTarget(kind, {});
  });
  afterAll(async () => {
    await target?.stop();
  });

  it("serves the page with a strict CSP, and assets by content hash, cached for good", async () => {
    const res = await fetch(`${target.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/app-[0-9a-f]{12}\.(js|css))"/g)];
    expect(assets.map((m) => m[2]).sort()).toEqual(["css", "js"]);
    // Nothing from elsewhere: every script and stylesheet is ours.
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    for (const [, path, ext] of assets) {
      const asset = await fetch(`${target.url}${path}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toBe(ext === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await asset.text()).length).toBeGreaterThan(1000);
    }
  });

  it("answers a revalidation with 304, and an unknown asset with a 404 error", async () => {
    const first = await fetch(`${target.url}/`);
    await first.text();
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^(W\/)?"[0-9a-f]{12}"$/);
    const again = await fetch(`${target.url}/`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const stale = await fetch(`${target.url}/`, { headers: { "if-none-match": '"000000000000"' } });
    expect(stale.status).toBe(200);
    await stale.text();
    const missing = await fetch(`${target.url}/assets/app-000000000000.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: "not_found_error", code: "not_found", message: "Unknown path GET /assets/app-000000000000.js" } });
  });

});

describe("the chat page on Node", () => {
  let target: LocalTarget;
  beforeAll(async () => {
    target = await startLocalTarget("in-process", {});
  });
  afterAll(async () => {
    await target?.stop();
  });

  // Workers leave compression to the runtime, which would otherwise encode the page twice.
  it("is gzipped by the gateway", async () => {
    const res = await fetch(`${target.url}/`, { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(await res.text()).toContain('<div id="app"></div>');
  });
});
