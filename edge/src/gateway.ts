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
import { LocalPoolProvider } from "./providers/local-pool.ts";

export interface Gateway {
  app: Hono<AppEnv>;
  registry: WorkerRegistry;
  deps: GatewayDeps;
  stop(): void;
}

export function createGateway(config: GatewayConfig, bus: Bus, log: Logger): Gateway {
  const subs = subjects(config.subjectPrefix);
  const registry = new WorkerRegistry(bus, subs, { ttlMs: config.workerTtlMs, log: (m) => log.warn(m) });
  registry.start();
  const local = new LocalPoolProvider(bus, subs, registry, {
    acceptTimeoutMs: config.acceptTimeoutMs,
    idleTimeoutMs: config.workerIdleTimeoutMs,
  });
  const deps: GatewayDeps = {
    config,
    bus,
    providers: [local],
    // Every model goes to the local pool until cloud routing exists (issue #3).
    resolveProvider: () => local,
    log,
  };
  return { app: createApp(deps), registry, deps, stop: () => registry.stop() };
}
