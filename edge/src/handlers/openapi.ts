/** @module GET /openapi.json: the OpenAPI 3.1 document of every route, built from the registry on first use. */
import type { Context } from "hono";
import pkg from "../../../package.json" with { type: "json" };
import type { AppEnv } from "../app-env.ts";
import { OpenAIErrorSchema } from "../openai/error-schema.ts";
import { buildDocument } from "../openapi/build-document.ts";
import { named } from "../openapi/operation.ts";
import { OPERATIONS } from "../openapi/operations.ts";

export const openApiDocument = () =>
  buildDocument(
    OPERATIONS,
    {
      title: "Switchyard",
      version: pkg.version,
      description: "An OpenAI-compatible gateway in front of self-hosted GGUF models on GPU worker pools and cloud providers.",
    },
    named("Error", OpenAIErrorSchema),
  );

/**
 * The document depends on nothing but code, so it is built once per process (per isolate on
 * Workers, where each request has an app of its own) and kept as its JSON text.
 */
let cached: string | undefined;

export function openApi(c: Context<AppEnv>): Response {
  cached ??= JSON.stringify(openApiDocument());
  return c.body(cached, 200, { "content-type": "application/json; charset=utf-8" });
}
