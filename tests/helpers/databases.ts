/**
 * @module The databases a store suite runs on: PGlite always; and when TEST_DATABASE_URL is
 * set, the Postgres server through node-postgres and again through the Neon driver (what the
 * Workers edge uses) over a WebSocket relay. Each suite gets a fresh database of its own there.
 */
import pg from "pg";
import { WebSocket as NodeWebSocket } from "ws";
import { startWsRelay } from "../../edge/src/dev/ws-relay.ts";
import { openNeonStore, useWebSocketRelay } from "../../edge/src/store/neon-store.ts";
import { openStore } from "../../edge/src/store/open-store.ts";
import type { Store } from "../../edge/src/store/store.ts";

export type DbKind = "pglite" | "postgres" | "neon";

export const dbKinds = (): DbKind[] => (process.env.TEST_DATABASE_URL ? ["pglite", "postgres", "neon"] : ["pglite"]);

export interface TestDatabase {
  kind: DbKind;
  /** postgres://… for the server; undefined for PGlite. */
  url: string | undefined;
  /** Opens a Store; for postgres each call is a separate pool, like a separate gateway. */
  open(): Promise<Store>;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    // One in-memory PGlite is one database: every "gateway" shares it.
    const shared = openStore({ pgliteDir: "memory" });
    return { kind, url: undefined, open: () => shared, drop: async () => {} };
  }
  const base = process.env.TEST_DATABASE_URL ?? "";
  const name = `sy_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  let open = () => openStore({ databaseUrl: url.toString(), pgliteDir: "unused" });
  let closeRelay = async () => {};
  if (kind === "neon") {
    // Migrations run from Node (as `npm run db:migrate` does); the edge's driver only queries.
    await (await open()).close();
    const relay = await startWsRelay({ allowed: [`${url.hostname}:${url.port || 5432}`] });
    useWebSocketRelay(relay.url, NodeWebSocket as unknown as typeof WebSocket);
    closeRelay = relay.close;
    open = async () => openNeonStore(url.toString());
  }
  return {
    kind,
    url: url.toString(),
    open,
    async drop() {
      await closeRelay();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
