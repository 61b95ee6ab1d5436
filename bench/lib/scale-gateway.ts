/**
 * @module A gateway process of `bench:scale` (`node --import tsx bench/lib/scale-gateway.ts`):
 * exactly what `npm run edge` runs (startNodeGateway over NATS_URL, settings from the
 * environment, SY_DISPATCH included), plus the { type: "ready", port } message over IPC that
 * bench/lib/child-service.ts waits for. Its line log goes to stdout, which the parent sends to a file.
 */
import { createLogger } from "@switchyard/shared/log";
import { gatewayConfigFromEnv } from "../../edge/src/config.ts";
import { startNodeGateway } from "../../edge/src/node-gateway.ts";

const log = createLogger("edge");
const edge = await startNodeGateway(gatewayConfigFromEnv(process.env), process.env, log);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await edge.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// The parent went away without stopping us (killed hard): do not outlive it.
process.on("disconnect", () => void stop());

process.send?.({ type: "ready", port: edge.server.port });
