/** @module Guards /admin with ADMIN_TOKEN (constant-time compare); without one the admin API is off. */
import { GatewayError } from "@switchyard/shared/errors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { constantTimeEqual } from "../auth/api-key.ts";

export const adminAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const expected = c.get("deps").adminToken;
    if (!expected) throw new GatewayError("The admin API is disabled: set ADMIN_TOKEN.", { status: 403, type: "permission_error", code: "admin_disabled" });
    const given = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
    if (!constantTimeEqual(given, expected)) throw new GatewayError("Invalid admin token.", { status: 401, type: "authentication_error", code: "invalid_admin_token" });
    await next();
  });
