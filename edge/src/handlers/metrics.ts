/**
 * @module GET /metrics in Prometheus text format. Open while the gateway binds loopback only
 * (like open mode for keys); otherwise it takes METRICS_TOKEN or ADMIN_TOKEN as a Bearer token.
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { bindsLoopbackOnly } from "../auth/access.ts";
import { constantTimeEqual } from "../auth/api-key.ts";

export async function metrics(c: Context<AppEnv>): Promise<Response> {
  const { config, adminToken, metrics } = c.get("deps");
  if (!bindsLoopbackOnly(config.host)) {
    const tokens = [config.metricsToken, adminToken].filter((t): t is string => Boolean(t));
    if (tokens.length === 0)
      throw new GatewayError("/metrics is closed on an exposed gateway: set METRICS_TOKEN or ADMIN_TOKEN.", { status: 403, type: "permission_error", code: "metrics_disabled" });
    const given = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? "";
    if (!tokens.some((t) => constantTimeEqual(given, t)))
      throw new GatewayError("Invalid metrics token.", { status: 401, type: "authentication_error", code: "invalid_metrics_token" });
  }
  const text = await metrics.registry.metrics();
  return c.body(text, 200, { "content-type": metrics.registry.contentType });
}
