/**
 * @module `npm run dev:edge`: the Workers build under `wrangler dev`, locally and offline,
 * with the settings `npm run edge` reads (PORT, NATS_URL as ws://…, DATABASE_URL as a plain
 * postgres://…, SWITCHYARD_SECRET, ADMIN_TOKEN, provider keys…) passed to the Worker as vars.
 * It applies the migrations and starts the WebSocket relay the Neon driver needs in front of
 * a plain Postgres, then prints the URL as `npm start` does.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { openStore } from "../store/open-store.ts";
import { startWsRelay } from "./ws-relay.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
/** What the Worker is given: the gateway's settings, secrets included (local development only). */
const PASSED = /^(PORT|HOST|NATS_|SY_|DATABASE_URL|SWITCHYARD_|ADMIN_TOKEN|METRICS_TOKEN|OPENAI_|ANTHROPIC_|GROQ_|QUEUE_|ACCEPT_TIMEOUT_MS|WORKER_IDLE_TIMEOUT_MS|REQUEST_TIMEOUT_MS|UPSTREAM_|CORS_ORIGINS|VOICE_MAP|TITLE_MODEL|MAX_BODY_BYTES|MODEL_LOAD_TIMEOUT_MS)/;

const env = process.env;
const port = env.PORT ?? "8787";
if (!env.NATS_URL?.startsWith("ws")) fail("dev:edge needs NATS_URL as a ws:// URL of a nats-server websocket listener");
if (!env.DATABASE_URL) fail("dev:edge needs DATABASE_URL (postgres://…); the Worker reaches it through a relay started here");
if (!env.SWITCHYARD_SECRET || env.SWITCHYARD_SECRET.length < 16) fail("dev:edge needs SWITCHYARD_SECRET (16+ characters)");

const db = new URL(env.DATABASE_URL);
await (await openStore({ databaseUrl: env.DATABASE_URL, pgliteDir: "unused" })).close();
const relay = await startWsRelay({ allowed: [`${db.hostname}:${db.port || 5432}`] });
const vars: Record<string, string> = { HOST: "127.0.0.1", DATABASE_RELAY_URL: relay.url };
for (const [k, v] of Object.entries(env)) if (PASSED.test(k) && v !== undefined && k !== "PORT") vars[k] = v;

const wrangler = spawn(
  resolve(ROOT, "node_modules/.bin/wrangler"),
  ["dev", "--local", "--ip", "127.0.0.1", "--port", port, "--show-interactive-dev-session=false", ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])],
  { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], env: { ...env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } },
);
wrangler.stdout.on("data", (d: Buffer) => {
  const text = d.toString();
  process.stdout.write(text);
  if (/Ready on/i.test(text)) {
    console.log(`\nSwitchyard (Workers build) is running at http://127.0.0.1:${port}`);
    console.log(`  OpenAI base URL: http://127.0.0.1:${port}/v1`);
    console.log(`  NATS ${env.NATS_URL}, Postgres ${db.host}${db.pathname} through ${relay.url}\n`);
  }
});
const stop = () => {
  wrangler.kill("SIGTERM");
  void relay.close().then(() => process.exit(0));
};
wrangler.on("exit", (code) => {
  void relay.close().then(() => process.exit(code ?? 0));
});
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
