/**
 * @module The Workers entry: the same Hono app (createGateway) behind a Workers `fetch`.
 * Workers forbid one request's I/O objects in another, so every request gets its own NATS
 * connection (WebSocket), Neon pool and gateway, closed through ctx.waitUntil once the
 * response body has ended. What crosses requests is data only (IsolateState): the last
 * worker statuses, so most requests skip the registry read.
 */
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { startNatsWsBus } from "@switchyard/shared/bus/nats-ws";
import { subjects } from "@switchyard/shared/bus/subjects";
import type { WorkerStatus } from "@switchyard/shared/codec/chat-codec";
import { GatewayError } from "@switchyard/shared/errors";
import { createLogger } from "@switchyard/shared/log";
import { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { AccessCache } from "./auth/access.ts";
import { gatewayConfigFromEnv } from "./config.ts";
import { createGateway } from "./gateway.ts";
import { parseRouteConfig } from "./routing/route-config.ts";
import { openNeonStore, useWebSocketRelay } from "./store/neon-store.ts";

/** Vars and secrets (wrangler.toml [vars], `wrangler secret put`): the same names as on Node. */
export type EdgeEnv = Record<string, string | undefined>;

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** How long one request's view of the pool serves the next ones in this isolate. */
const STATUS_CACHE_MS = 1_000;

/** Per-isolate state, kept to plain data: never a connection, a pool or a timer. */
class IsolateState {
  statuses: WorkerStatus[] | undefined;
  at = 0;
  /** Open mode and checked keys, as a Node gateway remembers them (1 s and 5 s). */
  readonly access = new AccessCache();

  cached(now = Date.now()): WorkerStatus[] | undefined {
    return this.statuses && now - this.at < STATUS_CACHE_MS ? this.statuses : undefined;
  }

  keep(statuses: WorkerStatus[]): void {
    this.statuses = statuses;
    this.at = Date.now();
  }
}

const isolate = new IsolateState();
const log = createLogger("edge");

export default {
  async fetch(request: Request, env: EdgeEnv, ctx: ExecutionContext): Promise<Response> {
    let edge: Awaited<ReturnType<typeof openEdge>>;
    try {
      edge = await openEdge(env);
    } catch (err) {
      const e = GatewayError.from(err);
      log.error(`edge setup failed: ${(err as Error).message}`);
      return Response.json(e.toJSON(), { status: e.status });
    }
    let response: Response;
    try {
      response = await edge.app.fetch(request);
    } catch (err) {
      ctx.waitUntil(edge.close());
      throw err;
    }
    return closeAfterBody(response, ctx, edge.close);
  },
};

async function openEdge(env: EdgeEnv) {
  // A deployed Worker is never "loopback only": open mode (no keys needed) is for local use.
  const config = gatewayConfigFromEnv({ HOST: "0.0.0.0", ...env });
  const secret = env.SWITCHYARD_SECRET ?? "";
  if (secret.length < 16) throw new GatewayError("SWITCHYARD_SECRET (16+ characters) is not set for this Worker.", { status: 500, type: "server_error", code: "config_error" });
  if (!config.databaseUrl) throw new GatewayError("DATABASE_URL is not set for this Worker.", { status: 500, type: "server_error", code: "config_error" });
  if (!config.natsUrl) throw new GatewayError("NATS_URL (a ws:// or wss:// URL) is not set for this Worker.", { status: 500, type: "server_error", code: "config_error" });
  if (env.DATABASE_RELAY_URL) useWebSocketRelay(env.DATABASE_RELAY_URL);
  // Its connect and reconnect lines would be one per request: left out.
  const bus = startNatsWsBus({ servers: config.natsUrl, name: "switchyard-worker", authenticators: natsAuthFromEnv(env) });
  // Wait for the connection a little (it is per request); a NATS that is down leaves
  // local routes answering 503 bus_unavailable, and cloud routes working.
  await Promise.race([bus.ready(), new Promise((r) => setTimeout(r, config.acceptTimeoutMs))]);
  const store = openNeonStore(config.databaseUrl);
  const registry = new WorkerRegistry(bus, subjects(config.subjectPrefix), { ttlMs: config.workerTtlMs, log: (m) => log.warn(m) });
  if (bus.isConnected()) await registry.snapshot(isolate.cached());
  const routeConfig = parseRouteConfig(env.SWITCHYARD_ROUTES ? JSON.parse(env.SWITCHYARD_ROUTES) : {}, "SWITCHYARD_ROUTES");
  const gateway = createGateway({ config, bus, store, secret, log, env, routeConfig, registry, perRequest: true, accessCache: isolate.access });
  return {
    app: gateway.app,
    async close() {
      if (bus.isConnected()) isolate.keep(registry.workers());
      await gateway.stop();
      await store.close();
      await bus.close();
    },
  };
}

/** The response as it is, with the per-request parts closed once its body is done (or cancelled). */
function closeAfterBody(response: Response, ctx: ExecutionContext, close: () => Promise<void>): Response {
  if (!response.body) {
    ctx.waitUntil(close());
    return response;
  }
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  ctx.waitUntil(
    response.body
      .pipeTo(writable)
      .catch(() => {})
      .finally(close),
  );
  return new Response(readable, response);
}
