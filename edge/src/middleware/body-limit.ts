/**
 * @module Request body size limit. Checks Content-Length up front and leaves the body alone:
 * touching `c.req.raw.body` (as hono's bodyLimit does) makes @hono/node-server build a web
 * stream per request, which cost ~0.7 ms of CPU per request in bench:proxy. Bodies without a
 * length (chunked) are measured where they are read (readJson).
 */
import { payloadTooLarge } from "@switchyard/shared/errors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

export const tooLarge = (limit: number) => payloadTooLarge(`Request body exceeds the limit of ${limit} bytes.`);

export const bodyLimit = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > maxBytes) throw tooLarge(maxBytes);
    await next();
  });
