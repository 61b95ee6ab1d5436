/**
 * @module The hub design: a Durable Object (NatsHub, sharded by name) holds one NATS
 * connection and a live worker registry for every request routed to it, so a request pays
 * neither a NATS handshake nor a registry read. Each request still gets its own Neon pool and
 * gateway (closed after its body): only the bus and the registry are shared, which is what a
 * Durable Object may keep across its requests. Its outgoing WebSocket keeps it awake (billed
 * duration) while open, and one object serves up to ~1,000 requests/s: shard with
 * NATS_HUB_SHARDS.
 */
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { within } from "@switchyard/shared/timers";
import type { NatsBus } from "@switchyard/shared/bus/nats-bus";
import { startNatsWsBus } from "@switchyard/shared/bus/nats-ws";
import { subjects } from "@switchyard/shared/bus/subjects";
import { createLogger } from "@switchyard/shared/log";
import { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { AccessCache } from "../auth/access.ts";
import { CacheMemory } from "../cache/cache-memory.ts";
import { createGateway } from "../gateway.ts";
import { openNeonStore, useWebSocketRelay } from "../store/neon-store.ts";
import { HUB_CALL_HEADER, HUB_CANCEL_PATH } from "./hub-call.ts";
import { closeAfterBody, edgeSettings, type ExecutionContextLike, setupFailure, type WorkersEnv } from "./edge-env.ts";

const log = createLogger("nats-hub");

export class NatsHub {
  #bus: NatsBus | undefined;
  #registry: WorkerRegistry | undefined;
  readonly #access = new AccessCache();
  readonly #cacheMemory = new CacheMemory();
  /** Streaming replies by the front's call id, so the front can cancel one whose client left. */
  readonly #calls = new Map<string, (reason: string) => void>();

  constructor(
    private readonly state: ExecutionContextLike,
    private readonly env: WorkersEnv,
  ) {}

  async fetch(request: Request): Promise<Response> {
    const call = request.headers.get(HUB_CALL_HEADER);
    if (new URL(request.url).pathname === HUB_CANCEL_PATH) {
      if (call) this.#calls.get(call)?.("client disconnected");
      return new Response(null, { status: 204 });
    }
    let s: ReturnType<typeof edgeSettings>;
    try {
      s = edgeSettings(this.env);
    } catch (err) {
      return setupFailure(err);
    }
    const { config } = s;
    if (s.vars.DATABASE_RELAY_URL) useWebSocketRelay(s.vars.DATABASE_RELAY_URL);
    if (!this.#bus || !this.#registry) {
      this.#bus = startNatsWsBus({ servers: config.natsUrl, name: "switchyard-hub", authenticators: natsAuthFromEnv(s.vars), log: (m) => log.info(m) });
      this.#registry = new WorkerRegistry(this.#bus, subjects(config.subjectPrefix), { ttlMs: config.workerTtlMs, log: (m) => log.warn(m) });
      this.#registry.start();
      await within(this.#registry.synced(), config.acceptTimeoutMs);
    }
    const store = openNeonStore(config.databaseUrl);
    const gateway = createGateway({ config, bus: this.#bus, store, secret: s.secret, log, env: s.vars, routeConfig: s.routeConfig, registry: this.#registry, perRequest: true, accessCache: this.#access, cacheMemory: this.#cacheMemory });
    const close = async () => {
      await gateway.stop();
      await store.close();
    };
    let response: Response;
    try {
      response = await gateway.app.fetch(request);
    } catch (err) {
      this.state.waitUntil(close());
      throw err;
    }
    const relayed = closeAfterBody(response, this.state, async () => {
      if (call) this.#calls.delete(call);
      await close();
    });
    if (call && response.body) this.#calls.set(call, relayed.cancel);
    return relayed.response;
  }
}
