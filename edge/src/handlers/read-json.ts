/** @module Reads a JSON request body; anything unparsable is OpenAI's 400 invalid_json. */
import { invalidRequest } from "@switchyard/shared/errors";
import type { Context } from "hono";

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest("We could not parse the JSON body of your request. The body must be valid JSON.", null, "invalid_json");
  }
}
