/** @module `npm run gpu-node -- --models <dir>`: a worker process serving every .gguf in a folder over NATS. */
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { startNatsBus } from "@switchyard/shared/bus/nats-node";
import { stopOnSignal } from "@switchyard/shared/stop-on-signal";
import { gpuNodeConfig } from "./config.ts";
import { startGpuNode } from "./index.ts";

const config = gpuNodeConfig(process.argv.slice(2), process.env);
const log = (message: string) => console.log(`[gpu-node ${config.workerId}] ${message}`);
if (!config.natsUrl) {
  console.error("gpu-node needs NATS_URL (e.g. nats://127.0.0.1:4222); `npm start` runs an embedded worker instead.");
  process.exit(2);
}
const bus = startNatsBus({ servers: config.natsUrl, name: `gpu-node-${config.workerId}`, authenticators: natsAuthFromEnv(process.env), log });
log(`waiting for NATS at ${config.natsUrl}`);
const node = await startGpuNode(bus, config, log);
const models = node.catalog.models().map((m) => m.id);
log(`serving ${models.join(", ") || "no models"} (threads ${config.threads}, ${config.slots} slots each, gpu ${node.catalog.gpuName})`);

// SIGTERM drains (running streams finish within the grace period); SIGINT stops at once.
stopOnSignal(async (signal) => {
  if (signal === "SIGTERM") await node.drain();
  else await node.stop();
  await bus.close();
}, log);
