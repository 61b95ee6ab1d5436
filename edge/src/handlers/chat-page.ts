/**
 * @module GET / and /assets/*: the browser chat page, from the bundle in memory (the same on
 * Node and Workers). The page may only load its own script and style and talk to this origin.
 */
import { notFound } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { PAGE_ASSETS } from "../web/page-assets.gen.ts";

const PAGE_SECURITY: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; media-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function serve(c: Context<AppEnv>, path: string): Response {
  const asset = PAGE_ASSETS[path];
  if (!asset) throw notFound(`Unknown path ${c.req.method} ${c.req.path}`);
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    etag: asset.etag,
    "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    ...(path === "/" ? PAGE_SECURITY : { "x-content-type-options": "nosniff" }),
  };
  // compress() weakens the ETag it sends (W/"…"), so a revalidation may come back weak.
  const known = (c.req.header("if-none-match") ?? "").split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (known.includes(asset.etag)) return c.body(null, 304, headers);
  return c.body(asset.body, 200, headers);
}

export const chatPage = (c: Context<AppEnv>) => serve(c, "/");
export const pageAsset = (c: Context<AppEnv>) => serve(c, `/assets/${c.req.param("file") ?? ""}`);
