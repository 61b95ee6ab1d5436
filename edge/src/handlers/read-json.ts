/** @module Reads a JSON request body; anything unparsable is OpenAI's 400 invalid_json, anything too big a 413. */
import { invalidRequest } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { tooLarge } from "../middleware/body-limit.ts";

export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  const limit = c.get("deps").config.maxBodyBytes;
  // Chunked bodies carry no Content-Length for the middleware to check.
  if (text.length > limit && new TextEncoder().encode(text).byteLength > limit) throw tooLarge(limit);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest("We could not parse the JSON body of your request. The body must be valid JSON.", null, "invalid_json");
  }
}
