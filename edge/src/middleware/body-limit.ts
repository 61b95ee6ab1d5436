/**
 * @module Request body size limit. Checks Content-Length up front and leaves the body alone:
 * touching `c.req.raw.body` (as hono's bodyLimit does) makes @hono/node-server build a web
 * stream per request, which cost ~0.7 ms of CPU per request in bench:proxy. Bodies without a
 * length (chunked) are measured where they are read (readJson). A refused body is read to its
 * end first (up to a few times the limit): a server that answers and closes while the client
 * still uploads resets the connection, and the client sees "fetch failed" instead of the 413.
 */
import { payloadTooLarge } from "@switchyard/shared/errors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

export const tooLarge = (limit: number) => payloadTooLarge(`Request body exceeds the limit of ${limit} bytes.`);

export const bodyLimit = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const length = Number(c.req.header("content-length") ?? "0");
    if (length > maxBytes) {
      if (length <= DRAIN_FACTOR * maxBytes) await drain(c.req.raw.body);
      throw tooLarge(maxBytes);
    }
    await next();
  });

/** Bodies up to this many times the limit are read and dropped before the 413; larger ones are cut. */
const DRAIN_FACTOR = 4;

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  try {
    while (!(await reader.read()).done);
  } catch {
    // The client went away: nothing left to answer.
  } finally {
    reader.releaseLock();
  }
}
