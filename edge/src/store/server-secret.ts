/**
 * @module The secret that API key hashes are keyed with (Node). From SWITCHYARD_SECRET; with
 * PGlite it may be generated once and kept in the data folder; with a shared Postgres it
 * must be set, or gateways would not recognise each other's keys.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../routing/route-config.ts";

export function serverSecret(env: Record<string, string | undefined>, opts: { databaseUrl: string | undefined; dataDir: string | "memory" }): string {
  const given = env.SWITCHYARD_SECRET;
  if (given) {
    if (given.length < 16) throw new ConfigError("SWITCHYARD_SECRET must be at least 16 characters.");
    return given;
  }
  if (opts.databaseUrl) throw new ConfigError("SWITCHYARD_SECRET must be set when DATABASE_URL is (every gateway on the database needs the same one).");
  if (opts.dataDir === "memory") return randomBytes(32).toString("hex");
  const path = join(opts.dataDir, "secret");
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  mkdirSync(opts.dataDir, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
