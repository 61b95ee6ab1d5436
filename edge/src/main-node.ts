/** @module `npm run edge`: the gateway alone, reaching workers over NATS (NATS_URL). */
import { NatsBus } from "@switchyard/shared/bus/nats-bus";
import { createLogger } from "@switchyard/shared/log";
import { stopOnSignal } from "@switchyard/shared/stop-on-signal";
import { gatewayConfigFromEnv } from "./config.ts";
import { createGateway } from "./gateway.ts";
import { openNodeStore } from "./node-store.ts";
import { nodeFetch } from "./providers/upstream/node-fetch.ts";
import { loadRouteConfig } from "./routing/load-route-config.ts";
import type { RouteConfig } from "./routing/route-config.ts";
import { serveNode } from "./serve-node.ts";

const config = gatewayConfigFromEnv(process.env);
const log = createLogger("edge");
if (!config.natsUrl) {
  log.error("npm run edge needs NATS_URL (e.g. nats://127.0.0.1:4222); `npm start` runs everything in one process.");
  process.exit(2);
}
let routeConfig: RouteConfig;
let opened: Awaited<ReturnType<typeof openNodeStore>>;
try {
  routeConfig = loadRouteConfig(config.configPath);
  opened = await openNodeStore(config, process.env);
} catch (err) {
  log.error((err as Error).message);
  process.exit(1);
}
const { store, secret } = opened;
const bus = NatsBus.start({ servers: config.natsUrl, name: "switchyard-edge", log: (m) => log.info(m) });
const gateway = createGateway({ config, bus, store, secret, log, env: process.env, routeConfig, upstreamFetch: nodeFetch });
const server = await serveNode(gateway.app, config.host, config.port);
log.info(`Switchyard gateway listening on ${server.url} (NATS ${config.natsUrl})`);

stopOnSignal(async () => {
  await server.close();
  await gateway.stop();
  await store.close();
  await bus.close();
}, log.info);
