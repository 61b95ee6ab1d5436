/** @module `npm start`: the whole stack in one process on embedded defaults; prints the URL and models. */
import { createLogger } from "@switchyard/shared/log";
import { stopOnSignal } from "@switchyard/shared/stop-on-signal";
import { gatewayConfigFromEnv } from "./config.ts";
import { startEmbedded } from "./embedded.ts";

const config = gatewayConfigFromEnv(process.env);
const log = createLogger("switchyard");
const stack = await startEmbedded(config, process.env, log).catch((err: Error) => {
  log.error(err.message);
  process.exit(1);
});
const models = stack.gpuNode.catalog.models().map((m) => m.id);
console.log(`\nSwitchyard is running at ${stack.url}`);
console.log(`  chat in the browser: ${stack.url}/`);
console.log(`  OpenAI base URL: ${stack.url}/v1`);
console.log(`  models: ${models.join(", ") || "(none)"}`);
console.log(`  voices: ${[...stack.ttsNode.voices.keys()].join(", ") || "(none)"}`);
console.log(`  bus: ${stack.bus.kind}${config.natsUrl ? ` (${config.natsUrl})` : ""}\n`);

stopOnSignal(() => stack.stop(), log.info);
