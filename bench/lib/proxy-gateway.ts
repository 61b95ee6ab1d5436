/**
 * @module The gateway under test in `bench:proxy`, as its own process
 * (`node --import tsx bench/lib/proxy-gateway.ts`): what `npm run edge` assembles (config and
 * store from the environment, createGateway, serveNode), over the in-process bus since no
 * worker is involved. Cloud providers come from the environment as usual (OPENAI_API_KEY,
 * OPENAI_BASE_URL); so does the store (SWITCHYARD_DATA_DIR: a folder for PGlite, or "memory").
 * BENCH_GATEWAY_LOG=off swaps the real line logger for a silent one; the parent sends this
 * process's stdout to a file. The listening port goes to the parent over IPC as
 * { type: "ready", port }.
 */
import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { createLogger, silentLogger } from "@switchyard/shared/log";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { createGateway } from "../../edge/src/gateway.ts";
import { openNodeStore } from "../../edge/src/node-store.ts";
import { emptyRouteConfig } from "../../edge/src/routing/route-config.ts";
import { serveNode } from "../../edge/src/serve-node.ts";

const config = gatewayConfigFromEnv(process.env);
const log = process.env.BENCH_GATEWAY_LOG === "off" ? silentLogger : createLogger("edge");
const { store, secret } = await openNodeStore(config, process.env);
const bus = new InProcessBus();
const gateway = createGateway({ config, bus, store, secret, log, env: process.env, routeConfig: emptyRouteConfig() });
const server = await serveNode(gateway.app, config.host, config.port);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  await gateway.stop();
  await store.close();
  await bus.close();
  // A clean exit, so that --cpu-prof writes its profile.
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// The parent went away without stopping us (killed hard): do not outlive it.
process.on("disconnect", () => void stop());

process.send?.({ type: "ready", port: server.port });
