/**
 * @module The per-request design: each request opens its own NATS connection (WebSocket),
 * reads the pool from the workers bucket (or the isolate's copy of it, at most 1 s old),
 * opens a Neon pool and builds a gateway, all closed through ctx.waitUntil after the body.
 * Between requests the isolate keeps data only (IsolateState).
 */
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { within } from "@switchyard/shared/timers";
import { startNatsWsBus } from "@switchyard/shared/bus/nats-ws";
import { subjects } from "@switchyard/shared/bus/subjects";
import type { WorkerStatus } from "@switchyard/shared/codec/chat-codec";
import type { Logger } from "@switchyard/shared/log";
import { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { AccessCache } from "../auth/access.ts";
import { CacheMemory } from "../cache/cache-memory.ts";
import { createGateway } from "../gateway.ts";
import { openNeonStore, useWebSocketRelay } from "../store/neon-store.ts";
import { closeAfterBody, type EdgeSettings, type ExecutionContextLike } from "./edge-env.ts";

/** How long one request's view of the pool serves the next ones in this isolate. */
const STATUS_CACHE_MS = 1_000;

/** Per-isolate state, kept to plain data: never a connection, a pool or a timer. */
export class IsolateState {
  statuses: WorkerStatus[] | undefined;
  /** When the kept view was read from the workers bucket (not when a request last handed it back). */
  readAt = 0;
  /** Open mode and checked keys, as a Node gateway remembers them (1 s and 5 s). */
  readonly access = new AccessCache();
  /** The response cache's LRU (answers are data too). */
  readonly cacheMemory = new CacheMemory();

  /**
   * The view to start from, or undefined to read the bucket. An empty view is never reused: a
   * worker that has just started must be found by the next request, not a second later.
   */
  cached(now = Date.now()): { statuses: WorkerStatus[]; readAt: number } | undefined {
    if (!this.statuses?.length || now - this.readAt >= STATUS_CACHE_MS) return undefined;
    return { statuses: this.statuses, readAt: this.readAt };
  }

  /**
   * Keeps a request's view, aged from its bucket read. Aging it from the request's end instead
   * let a steady run of requests hand the same view on for ever: its statuses passed the ttl,
   * the pool looked empty, and every local request failed until traffic paused.
   */
  keep(statuses: WorkerStatus[], readAt: number): void {
    if (readAt < this.readAt) return;
    this.statuses = statuses;
    this.readAt = readAt;
  }
}

export async function servePerRequest(request: Request, s: EdgeSettings, isolate: IsolateState, ctx: ExecutionContextLike, log: Logger): Promise<Response> {
  const { config } = s;
  if (s.vars.DATABASE_RELAY_URL) useWebSocketRelay(s.vars.DATABASE_RELAY_URL);
  // Its connect and reconnect lines would be one per request: left out.
  const bus = startNatsWsBus({ servers: config.natsUrl, name: "switchyard-worker", authenticators: natsAuthFromEnv(s.vars) });
  // Wait for the connection a little (it is per request); a NATS that is down leaves local
  // routes answering 503 bus_unavailable, and cloud routes working.
  await within(bus.ready(), config.acceptTimeoutMs);
  const store = openNeonStore(config.databaseUrl);
  const registry = new WorkerRegistry(bus, subjects(config.subjectPrefix), { ttlMs: config.workerTtlMs, log: (m) => log.warn(m) });
  const cached = isolate.cached();
  const readAt = cached?.readAt ?? Date.now();
  // Bounded as the connect is: a bucket read that never ends must not hold the request.
  if (bus.isConnected()) await within(registry.snapshot(cached?.statuses), config.acceptTimeoutMs);
  const gateway = createGateway({ config, bus, store, secret: s.secret, log, env: s.vars, routeConfig: s.routeConfig, registry, perRequest: true, accessCache: isolate.access, cacheMemory: isolate.cacheMemory });
  const close = async () => {
    if (bus.isConnected()) isolate.keep(registry.workers(), readAt);
    await gateway.stop();
    await store.close();
    await bus.close();
  };
  let response: Response;
  try {
    response = await gateway.app.fetch(request);
  } catch (err) {
    ctx.waitUntil(close());
    throw err;
  }
  return closeAfterBody(response, ctx, close, { sendTimeoutMs: config.sendTimeoutMs, log }).response;
}
