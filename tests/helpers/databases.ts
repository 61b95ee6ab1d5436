/**
 * @module The databases a store suite runs on: PGlite always, and the Postgres server when
 * TEST_DATABASE_URL is set (each suite gets a fresh database of its own there).
 */
import pg from "pg";
import { openStore } from "../../edge/src/store/open-store.ts";
import type { Store } from "../../edge/src/store/store.ts";

export type DbKind = "pglite" | "postgres";

export const dbKinds = (): DbKind[] => (process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"]);

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
  return {
    kind,
    url: url.toString(),
    open: () => openStore({ databaseUrl: url.toString(), pgliteDir: "unused" }),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
