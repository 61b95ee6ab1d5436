/**
 * @module `npm run keys -- create --name ci --models 'gpt-*' --rpm 60`, `list`, `revoke <id>`:
 * manages API keys straight in the database (DATABASE_URL, or the PGlite data folder — stop
 * the gateway first, PGlite allows one process; or use the admin API).
 */
import { parseArgs } from "node:util";
import { createApiKey } from "../auth/create-key.ts";
import { KeyHasher } from "../auth/api-key.ts";
import { gatewayConfigFromEnv } from "../config.ts";
import { keyView } from "../handlers/admin-keys.ts";
import { openNodeStore } from "../node-store.ts";

const USAGE = `usage:
  npm run keys -- create --name NAME [--models 'glob,glob'] [--rpm N] [--tpm N] [--daily-tokens N] [--monthly-tokens N] [--expires-at ISO]
  npm run keys -- list
  npm run keys -- revoke KEY_ID`;

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    name: { type: "string" },
    models: { type: "string" },
    rpm: { type: "string" },
    tpm: { type: "string" },
    "daily-tokens": { type: "string" },
    "monthly-tokens": { type: "string" },
    "expires-at": { type: "string" },
  },
});

function positiveInt(flag: string, v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) fail(`--${flag} must be a positive integer`);
  return n;
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const config = gatewayConfigFromEnv(process.env);
const { store, secret } = await openNodeStore(config, process.env);
try {
  const [command, arg] = positionals;
  if (command === "create") {
    if (!values.name) fail("--name is required");
    const expiresAt = values["expires-at"] ? new Date(values["expires-at"]) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) fail("--expires-at must be an ISO date");
    const { key, record } = await createApiKey(store, new KeyHasher(secret), {
      name: values.name,
      models: values.models ? values.models.split(",").map((m) => m.trim()) : null,
      rpm: positiveInt("rpm", values.rpm),
      tpm: positiveInt("tpm", values.tpm),
      dailyTokens: positiveInt("daily-tokens", values["daily-tokens"]),
      monthlyTokens: positiveInt("monthly-tokens", values["monthly-tokens"]),
      expiresAt,
    });
    console.log(JSON.stringify(keyView(record), null, 2));
    console.log(`\nAPI key (shown once, store it now):\n${key}`);
  } else if (command === "list") {
    for (const k of await store.listKeys()) console.log(`${k.id}  ${k.prefix}…  ${k.revokedAt ? "revoked" : "active "}  ${k.name}`);
  } else if (command === "revoke") {
    if (!arg) fail("revoke needs a key id");
    const revoked = await store.revokeKey(arg);
    if (!revoked) fail(`no key with id ${arg}`);
    console.log(`revoked ${revoked.id} (${revoked.prefix}…)`);
  } else fail(`unknown command ${command ?? "(none)"}`);
} finally {
  await store.close();
}
