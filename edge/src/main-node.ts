/** @module `npm run edge`: the gateway alone, reaching workers over NATS (NATS_URL). */
import { createLogger } from "@switchyard/shared/log";
import { stopOnSignal } from "@switchyard/shared/stop-on-signal";
import { gatewayConfigFromEnv } from "./config.ts";
import { startNodeGateway } from "./node-gateway.ts";

const log = createLogger("edge");
const config = gatewayConfigFromEnv(process.env);
const edge = await startNodeGateway(config, process.env, log).catch((err: Error) => {
  log.error(err.message);
  process.exit(1);
});
log.info(`Switchyard gateway listening on ${edge.server.url} (NATS ${config.natsUrl})`);
stopOnSignal(() => edge.stop(), log.info);
