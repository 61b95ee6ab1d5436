/** @module Assembles the gateway from a Bus and config: registry, providers, routing, app. */
import type { Bus } from "@switchyard/shared/bus/bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import type { Logger } from "@switchyard/shared/log";
import { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import type { Hono } from "hono";
import { createApp } from "./app.ts";
import type { AppEnv } from "./app-env.ts";
import type { GatewayConfig } from "./config.ts";
import type { GatewayDeps } from "./deps.ts";
import { createCloudProviders } from "./providers/cloud-providers.ts";
import { LocalPoolProvider } from "./providers/local-pool.ts";
import { ModelRouter } from "./routing/resolve-target.ts";
import { emptyRouteConfig, type RouteConfig } from "./routing/route-config.ts";

export interface Gateway {
  app: Hono<AppEnv>;
  registry: WorkerRegistry;
  deps: GatewayDeps;
  stop(): void;
}

export function createGateway(
  config: GatewayConfig,
  bus: Bus,
  log: Logger,
  env: Record<string, string | undefined> = {},
  routeConfig: RouteConfig = emptyRouteConfig(),
): Gateway {
  const subs = subjects(config.subjectPrefix);
  const registry = new WorkerRegistry(bus, subs, { ttlMs: config.workerTtlMs, log: (m) => log.warn(m) });
  registry.start();
  const local = new LocalPoolProvider(bus, subs, registry, {
    acceptTimeoutMs: config.acceptTimeoutMs,
    idleTimeoutMs: config.workerIdleTimeoutMs,
  });
  const cloud = createCloudProviders(
    env,
    routeConfig,
    { timeoutMs: config.upstreamTimeoutMs, maxRetries: config.upstreamMaxRetries },
    (name) => router.configuredModels().filter((m) => m.ownedBy === name),
  );
  const router: ModelRouter = new ModelRouter(routeConfig, { local, ...cloud });
  const deps: GatewayDeps = { config, bus, providers: [local, cloud.openai, cloud.anthropic, cloud.groq], router, log };
  return { app: createApp(deps), registry, deps, stop: () => registry.stop() };
}
