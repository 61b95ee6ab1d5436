/**
 * @module The gateway under test in `bench:proxy`, as its own process
 * (`node --import tsx bench/lib/proxy-gateway.ts`): what `npm run edge` assembles (config and
 * store from the environment, createGateway, serveNode), over the in-process bus since no
 * worker is involved. Cloud providers come from the environment as usual (OPENAI_API_KEY,
 * OPENAI_BASE_URL); so does the store (SWITCHYARD_DATA_DIR: a folder for PGlite, or "memory").
 * BENCH_GATEWAY_LOG=off swaps the real line logger for a silent one; the parent sends this
 * process's stdout to a file. The listening port goes to the parent over IPC as
 * { type: "ready", port }.
 *
 * SWITCHYARD_CONFIG names a routing config, as for `npm run edge` (the cache part's turns the
 * response cache on).
 *
 * BENCH_AUTH=1 (the "auth on" gateway of the auth comparison): the same gateway, but before it
 * listens it makes one API key in its store, with the gateway's own hasher (so the server secret
 * it checks keys with), and limits that never trigger yet whose checks all run: allowed models
 * "gpt-*", an RPM limit (counted in the database per request), a TPM limit and daily and monthly
 * token budgets (read per request, spends booked after). With a key in the store the gateway
 * leaves open mode: every /v1 request needs it. The key goes to the parent in the ready message,
 * { type: "ready", port, key }.
 */
import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { createLogger, silentLogger } from "@switchyard/shared/log";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { createApiKey } from "../../edge/src/auth/create-key.ts";
import { createGateway } from "../../edge/src/gateway.ts";
import { openNodeStore } from "../../edge/src/node-store.ts";
import { nodeFetch } from "../../edge/src/providers/upstream/node-fetch.ts";
import { loadRouteConfig } from "../../edge/src/routing/load-route-config.ts";
import { serveNode } from "../../edge/src/serve-node.ts";
import { answerMemoryAsks } from "./child-server.ts";
import { BENCH_KEY_LIMITS } from "./proxy-fixture.ts";

const config = gatewayConfigFromEnv(process.env);
const log = process.env.BENCH_GATEWAY_LOG === "off" ? silentLogger : createLogger("edge");
const { store, secret } = await openNodeStore(config, process.env);
const bus = new InProcessBus();
const gateway = createGateway({ config, bus, store, secret, log, env: process.env, routeConfig: loadRouteConfig(process.env.SWITCHYARD_CONFIG), upstreamFetch: nodeFetch });

let key: string | undefined;
if (process.env.BENCH_AUTH === "1") {
  ({ key } = await createApiKey(store, gateway.deps.hasher, { name: "bench:proxy auth on", ...BENCH_KEY_LIMITS, models: [...BENCH_KEY_LIMITS.models] }));
  gateway.deps.access.invalidate();
}
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

answerMemoryAsks();

process.send?.({ type: "ready", port: server.port, ...(key ? { key } : {}) });
