/** @module A gateway alone on a NATS bus (no embedded workers), as `npm run edge` runs it. */
import type { NatsBus } from "@switchyard/shared/bus/nats-bus";
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { startNatsBus } from "@switchyard/shared/bus/nats-node";
import { silentLogger } from "@switchyard/shared/log";
import OpenAI from "openai";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { createGateway, type Gateway } from "../../edge/src/gateway.ts";
import { type NodeServer, serveNode } from "../../edge/src/serve-node.ts";
import { openStore } from "../../edge/src/store/open-store.ts";
import { loadRouteConfig } from "../../edge/src/routing/load-route-config.ts";

export interface TestGateway {
  url: string;
  gateway: Gateway;
  bus: NatsBus;
  server: NodeServer;
  client: OpenAI;
  stop(): Promise<void>;
}

export async function startGateway(natsUrl: string, prefix: string, env: Record<string, string> = {}): Promise<TestGateway> {
  const config = gatewayConfigFromEnv({
    PORT: "0",
    NATS_URL: natsUrl,
    SY_SUBJECT_PREFIX: prefix,
    SY_STATUS_TTL_MS: "2000",
    WORKER_IDLE_TIMEOUT_MS: "1500",
    ACCEPT_TIMEOUT_MS: "2000",
    REQUEST_TIMEOUT_MS: "30000",
    ...env,
  });
  const bus = startNatsBus({ servers: natsUrl, name: "test-gateway", authenticators: natsAuthFromEnv(env) });
  const store = await openStore({ pgliteDir: "memory" });
  const routeConfig = config.configPath ? loadRouteConfig(config.configPath) : undefined;
  const gateway = createGateway({ config, bus, store, secret: "test-secret-0123456789", log: silentLogger, env, routeConfig });
  const server = await serveNode(gateway.app, config.host, config.port);
  return {
    url: server.url,
    gateway,
    bus,
    server,
    client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 }),
    async stop() {
      await server.close();
      await gateway.stop();
      await store.close();
      await bus.close();
    },
  };
}

