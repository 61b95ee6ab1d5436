/** @module Identifies the caller of /v1 routes: `Authorization: Bearer`, or `x-api-key` on /v1/messages. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

export const auth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    // The Anthropic SDK sends its key as x-api-key.
    const token = bearer ?? (c.req.path === "/v1/messages" ? c.req.header("x-api-key") : undefined);
    c.set("caller", await c.get("deps").access.identify(token));
    await next();
  });
