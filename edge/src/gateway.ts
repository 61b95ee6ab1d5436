/** @module Assembles the gateway from a Bus and config: registry, providers, routing, app. */
import type { Bus } from "@switchyard/shared/bus/bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import type { Logger } from "@switchyard/shared/log";
import { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import type { Hono } from "hono";
import { createApp } from "./app.ts";
import { Access, type AccessCache, bindsLoopbackOnly } from "./auth/access.ts";
import { CacheMemory } from "./cache/cache-memory.ts";
import { ResponseCache } from "./cache/response-cache.ts";
import { KeyHasher } from "./auth/api-key.ts";
import { Limiter } from "./limits/limiter.ts";
import type { Store } from "./store/store.ts";
import { InFlight } from "./handlers/in-flight.ts";
import { Batcher } from "./store/batcher.ts";
import { WriteQueue } from "./store/write-queue.ts";
import type { AppEnv } from "./app-env.ts";
import type { GatewayConfig } from "./config.ts";
import type { GatewayDeps } from "./deps.ts";
import { createCloudProviders } from "./providers/cloud-providers.ts";
import { LocalPoolProvider } from "./providers/local-pool.ts";
import { LocalSpeech, parseVoiceMap } from "./providers/local-speech.ts";
import { ModelRouter } from "./routing/resolve-target.ts";
import { dispatchModes, emptyRouteConfig, matryoshkaModels, type RouteConfig, resumeAttempts } from "./routing/route-config.ts";
import { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import { PoolDispatcher } from "./pool/pool-dispatcher.ts";

export interface Gateway {
  app: Hono<AppEnv>;
  registry: WorkerRegistry;
  deps: GatewayDeps;
  stop(): Promise<void>;
}

export interface GatewayParts {
  config: GatewayConfig;
  bus: Bus;
  store: Store;
  /** Secret for API key hashes; the same on every gateway sharing a database. */
  secret: string;
  log: Logger;
  env?: Record<string, string | undefined>;
  routeConfig?: RouteConfig;
  /** fetch for cloud SDK calls; undefined uses the runtime's. */
  upstreamFetch?: typeof fetch;
  /**
   * A registry the caller keeps current (Workers: a snapshot per request); by default the
   * gateway starts its own long-lived watch.
   */
  registry?: WorkerRegistry;
  /** The gateway lives for one request: limits leased one request at a time. */
  perRequest?: boolean;
  /** Key checks and open mode remembered across gateways (a Workers isolate's); default its own. */
  accessCache?: AccessCache;
  /** The response cache's in-memory LRU, kept across gateways (a Workers isolate's); default its own. */
  cacheMemory?: CacheMemory;
  /** Gzip the chat page in the app (Node). Workers leave it off: the runtime compresses, and would encode twice. */
  compressPage?: boolean;
}

export function createGateway(parts: GatewayParts): Gateway {
  const { config, bus, store, secret, log, env = {}, routeConfig = emptyRouteConfig(), upstreamFetch } = parts;
  const subs = subjects(config.subjectPrefix);
  const registry = parts.registry ?? new WorkerRegistry(bus, subs, { ttlMs: config.workerTtlMs, log: (m) => log.warn(m) });
  if (!parts.registry) registry.start();
  const pool = new PoolDispatcher(registry, subs, {
    queueMax: config.queueMax,
    queueTimeoutMs: config.queueTimeoutMs,
    log: (m) => log.warn(m),
    onQueueWait: (model, seconds, outcome) => metrics.queueWait.observe({ model, outcome }, seconds),
    onResume: (model, outcome) => metrics.resumes.inc({ model, outcome }),
  });
  const metrics = new GatewayMetrics(bus, registry, pool);
  const local = new LocalPoolProvider(bus, subs, registry, pool, {
    acceptTimeoutMs: config.acceptTimeoutMs,
    idleTimeoutMs: config.workerIdleTimeoutMs,
    dispatchMode: dispatchModes(routeConfig, config.dispatch),
    resumeAttempts: resumeAttempts(routeConfig, config.resumeAttempts),
    matryoshka: matryoshkaModels(routeConfig),
  });
  const cloud = createCloudProviders(
    env,
    routeConfig,
    { timeoutMs: config.upstreamTimeoutMs, maxRetries: config.upstreamMaxRetries, fetch: upstreamFetch },
    (name) => router.configuredModels().filter((m) => m.ownedBy === name),
  );
  const router: ModelRouter = new ModelRouter(routeConfig, { local, ...cloud });
  const writes = new WriteQueue({ log });
  const inFlight = new InFlight();
  const hasher = new KeyHasher(secret);
  const cacheMemory = parts.cacheMemory ?? new CacheMemory();
  cacheMemory.setLimits({ maxEntries: config.cacheMemoryEntries, maxBytes: config.cacheMemoryBytes });
  const deps: GatewayDeps = {
    config,
    bus,
    subjects: subs,
    registry,
    pool,
    metrics,
    providers: [local, cloud.openai, cloud.anthropic, cloud.groq],
    router,
    store,
    speech: new LocalSpeech(bus, subs, registry, parseVoiceMap(env.VOICE_MAP), {
      acceptTimeoutMs: config.acceptTimeoutMs,
      idleTimeoutMs: config.workerIdleTimeoutMs,
    }),
    writes,
    inFlight,
    usage: new Batcher(writes, "usage rows", (rows) => store.recordUsage(rows)),
    // Its writes and sweeps count as in flight: a stopping gateway (a finished Workers request) waits for them.
    responseCache: new ResponseCache(store, cacheMemory, { sweepIntervalMs: config.cacheSweepIntervalMs, log, track: () => inFlight.begin() }),
    hasher,
    access: new Access(store, hasher, bindsLoopbackOnly(config.host), parts.accessCache),
    limiter: new Limiter(store, writes, { exact: parts.perRequest === true }),
    adminToken: env.ADMIN_TOKEN || undefined,
    compressPage: parts.compressPage === true,
    log,
  };
  return {
    app: createApp(deps),
    registry,
    deps,
    async stop() {
      pool.stop();
      // A registry handed in belongs to the caller (the NatsHub shares one across requests).
      if (!parts.registry) registry.stop();
      // Calls still finishing (a cancelled stream unwinding) enqueue their writes first.
      await inFlight.idle(2_000);
      // Give pending usage/conversation writes a last chance, then report what is left.
      if ((await writes.drain(2_000)) > 0) writes.reportUnwritten();
    },
  };
}
