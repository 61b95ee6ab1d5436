/**
 * @module The Store over @neondatabase/serverless (Postgres over a WebSocket): what the
 * Workers edge uses. No Node APIs. A Workers isolate must not keep a Pool across requests
 * (a cached one hangs on the second request), so the edge opens one per request and closes
 * it through ctx.waitUntil. Migrations are not run here: `npm run db:migrate` runs them from
 * Node against the same database.
 */
import * as schema from "@switchyard/drizzle/schema";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { DrizzleStore } from "./drizzle-store.ts";
import type { Store } from "./store.ts";

export function openNeonStore(databaseUrl: string): Store {
  const pool = new Pool({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its socket must not take the isolate down; queries report errors.
  pool.on("error", () => {});
  return new DrizzleStore(drizzle(pool, { schema }), "neon", () => pool.end());
}

/**
 * Points the Neon driver at a WebSocket-to-TCP relay in front of a plain Postgres (local
 * development and tests, as Neon documents): `relayUrl?address=host:port`, no TLS on the
 * socket, no pipelined connect. The driver's settings are its own module-wide object, so this
 * is called once, at the program's edge. `webSocket` is for runtimes without a global one (Node 20).
 */
export function useWebSocketRelay(relayUrl: string, webSocket?: typeof WebSocket): void {
  neonConfig.wsProxy = (host, port) => `${relayUrl.replace(/^ws:\/\//, "").replace(/\/$/, "")}/?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  if (webSocket) neonConfig.webSocketConstructor = webSocket;
}
