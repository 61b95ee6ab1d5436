/**
 * @module Opens the Store on Node: node-postgres when DATABASE_URL is set, PGlite (real
 * Postgres in WASM) under the data folder otherwise, or in memory for tests; PGlite runs in a
 * worker thread (pglite-thread.ts), off the gateway's event loop. Migrations run at start,
 * under an advisory lock so gateways starting together do not race.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrationsFolder } from "@switchyard/drizzle/migrations";
import * as schema from "@switchyard/drizzle/schema";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { DrizzleStore } from "./drizzle-store.ts";
import { PgliteThread } from "./pglite-thread.ts";
import type { Store } from "./store.ts";

const MIGRATION_LOCK = 727_001;

export interface OpenStoreOptions {
  /** postgres://… for a server; undefined for PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite's folder, or "memory". */
  pgliteDir: string;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(options.pgliteDir);
}

async function openPostgres(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
  // An idle client that loses its server must not crash the process; queries report errors.
  pool.on("error", () => {});
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migratePg(drizzlePg(client, { schema }), { migrationsFolder });
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  return new DrizzleStore(drizzlePg(pool, { schema }), "postgres", () => pool.end());
}

async function openPglite(dir: string): Promise<Store> {
  const fresh = dir !== "memory" && !existsSync(join(dir, "PG_VERSION"));
  if (dir !== "memory") mkdirSync(dir, { recursive: true });
  let thread = await migrated(dir);
  // Creating a database (initdb) leaves ~500 MB resident in its thread for good: a new one
  // opens the folder as any later start would.
  if (fresh) {
    await thread.close();
    thread = await PgliteThread.start(dir);
  }
  const open = thread;
  return new DrizzleStore(open.drizzle(), "pglite", () => open.close());
}

async function migrated(dir: string): Promise<PgliteThread> {
  const thread = await PgliteThread.start(dir);
  try {
    await thread.migrate(migrationsFolder);
    return thread;
  } catch (err) {
    await thread.close();
    throw err;
  }
}
