/** @module The gateway alone on Node over NATS, as `npm run edge` runs it (also used by benchmarks). */
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { startNatsBus } from "@switchyard/shared/bus/nats-node";
import type { Logger } from "@switchyard/shared/log";
import type { GatewayConfig } from "./config.ts";
import { createGateway, type Gateway } from "./gateway.ts";
import { openNodeStore } from "./node-store.ts";
import { nodeFetch } from "./providers/upstream/node-fetch.ts";
import { loadRouteConfig } from "./routing/load-route-config.ts";
import { type NodeServer, serveNode } from "./serve-node.ts";

export interface NodeGateway {
  gateway: Gateway;
  server: NodeServer;
  stop(): Promise<void>;
}

/** Throws on a bad config file or database before anything listens. */
export async function startNodeGateway(config: GatewayConfig, env: Record<string, string | undefined>, log: Logger): Promise<NodeGateway> {
  if (!config.natsUrl) throw new Error("the gateway needs NATS_URL (e.g. nats://127.0.0.1:4222); `npm start` runs everything in one process.");
  const routeConfig = loadRouteConfig(config.configPath);
  const { store, secret } = await openNodeStore(config, env);
  const bus = startNatsBus({ servers: config.natsUrl, name: "switchyard-edge", authenticators: natsAuthFromEnv(env), log: (m) => log.info(m) });
  const gateway = createGateway({ config, bus, store, secret, log, env, routeConfig, upstreamFetch: nodeFetch, compressPage: true });
  const server = await serveNode(gateway.app, config.host, config.port);
  return {
    gateway,
    server,
    async stop() {
      await server.close();
      await gateway.stop();
      await store.close();
      await bus.close();
    },
  };
}
