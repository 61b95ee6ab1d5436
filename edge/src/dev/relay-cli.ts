/**
 * @module `npm run dev:relay`: the WebSocket-to-TCP relay in front of DATABASE_URL's server,
 * for the Neon driver in local development (RELAY_PORT, default 8788; RELAY_HOST, default 127.0.0.1).
 */
import { startWsRelay } from "./ws-relay.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("dev:relay needs DATABASE_URL (postgres://…) of the server to relay to");
  process.exit(2);
}
const target = new URL(url);
const relay = await startWsRelay({ allowed: [`${target.hostname}:${target.port || 5432}`], host: process.env.RELAY_HOST ?? "127.0.0.1", port: Number(process.env.RELAY_PORT ?? 8788) });
console.log(`relaying ${relay.url}/?address=${target.hostname}:${target.port || 5432} to Postgres`);
const stop = () => void relay.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
