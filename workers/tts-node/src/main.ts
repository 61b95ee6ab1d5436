/** @module `npm run tts-node -- --voices <dir>`: a worker process serving every voice in a folder over NATS. */
import { natsAuthFromEnv } from "@switchyard/shared/bus/nats-auth";
import { startNatsBus } from "@switchyard/shared/bus/nats-node";
import { stopOnSignal } from "@switchyard/shared/stop-on-signal";
import { startTtsNode, ttsNodeConfig } from "./index.ts";

const config = ttsNodeConfig(process.argv.slice(2), process.env);
const log = (message: string) => console.log(`[tts-node ${config.workerId}] ${message}`);
if (!config.natsUrl) {
  console.error("tts-node needs NATS_URL (e.g. nats://127.0.0.1:4222); `npm start` runs an embedded one instead.");
  process.exit(2);
}
const bus = startNatsBus({ servers: config.natsUrl, name: `tts-node-${config.workerId}`, authenticators: natsAuthFromEnv(process.env), log });
log(`waiting for NATS at ${config.natsUrl}`);
const node = await startTtsNode(bus, config, log);
log(`serving ${[...node.voices.keys()].join(", ") || "no voices"}`);

stopOnSignal(async () => {
  await node.stop();
  await bus.close();
}, log);
