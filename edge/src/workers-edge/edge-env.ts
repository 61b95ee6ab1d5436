/**
 * @module What the Workers build is given and keeps: its settings (vars and secrets, the same
 * names as on Node), checked once per request, and the runtime shapes it uses, typed locally
 * (the full @cloudflare/workers-types globals clash with Node's in one type-check).
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { Logger } from "@switchyard/shared/log";
import { type GatewayConfig, gatewayConfigFromEnv } from "../config.ts";
import { type RelayedBody, relayBody } from "./relay-body.ts";
import { parseRouteConfig, type RouteConfig } from "../routing/route-config.ts";

export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** Bindings: string vars and secrets, and the NatsHub namespace when wrangler.toml binds it. */
export type WorkersEnv = Record<string, unknown> & { NATS_HUB?: DurableObjectNamespaceLike };

export interface EdgeSettings {
  vars: Record<string, string | undefined>;
  config: GatewayConfig & { natsUrl: string; databaseUrl: string };
  secret: string;
  routeConfig: RouteConfig;
}

const configError = (message: string) => new GatewayError(message, { status: 500, type: "server_error", code: "config_error" });

export function edgeSettings(env: WorkersEnv): EdgeSettings {
  const vars: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") vars[k] = v;
  // A deployed Worker is never "loopback only": open mode (no keys needed) is for local use.
  const config = gatewayConfigFromEnv({ HOST: "0.0.0.0", ...vars });
  const secret = vars.SWITCHYARD_SECRET ?? "";
  if (secret.length < 16) throw configError("SWITCHYARD_SECRET (16+ characters) is not set for this Worker.");
  if (!config.databaseUrl) throw configError("DATABASE_URL is not set for this Worker.");
  if (!config.natsUrl) throw configError("NATS_URL (a ws:// or wss:// URL) is not set for this Worker.");
  const routeConfig = parseRouteConfig(vars.SWITCHYARD_ROUTES ? JSON.parse(vars.SWITCHYARD_ROUTES) : {}, "SWITCHYARD_ROUTES");
  return { vars, config: { ...config, natsUrl: config.natsUrl, databaseUrl: config.databaseUrl }, secret, routeConfig };
}

/**
 * The response as it is, with the per-request parts closed once its body is done (or
 * cancelled). `log` and `sendTimeoutMs` where this body goes to the client itself
 * (relay-body.ts): a cut is logged with the request's id.
 */
export function closeAfterBody(response: Response, ctx: ExecutionContextLike, close: () => Promise<void>, client?: { sendTimeoutMs: number; log: Logger }): RelayedBody {
  return relayBody(response, {
    onEnd: () => ctx.waitUntil(close()),
    sendTimeoutMs: client?.sendTimeoutMs,
    onSendTimeout: client && ((ms) => logSendTimeout(client.log, response, ms)),
  });
}

/** The line an operator sees for a disconnect the runtime never reported. */
export function logSendTimeout(log: Logger, response: Response, ms: number): void {
  const rid = response.headers.get("x-request-id");
  (rid ? log.with({ rid }) : log).warn(`send timeout: the client took no data for ${ms} ms; its request is cancelled and the response cut (SEND_TIMEOUT_MS)`);
}

/** A setup failure (missing setting) answered in OpenAI's shape. */
export const setupFailure = (err: unknown): Response => {
  const e = GatewayError.from(err);
  return Response.json(e.toJSON(), { status: e.status });
};
