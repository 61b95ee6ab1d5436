/** @module The Store and key secret for a Node gateway, from its config and environment. */
import { join } from "node:path";
import type { GatewayConfig } from "./config.ts";
import { openStore } from "./store/open-store.ts";
import { serverSecret } from "./store/server-secret.ts";
import type { Store } from "./store/store.ts";

export async function openNodeStore(config: GatewayConfig, env: Record<string, string | undefined>): Promise<{ store: Store; secret: string }> {
  const pgliteDir = config.dataDir === "memory" ? "memory" : join(config.dataDir, "db");
  const secret = serverSecret(env, { databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const store = await openStore({ databaseUrl: config.databaseUrl, pgliteDir });
  return { store, secret };
}
