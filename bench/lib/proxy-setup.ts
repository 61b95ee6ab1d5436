/**
 * @module How `npm run bench:proxy` sets up its processes: the gateway child's environment, the
 * gateway's log tail for failures, and --pin's cores.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { buildNode } from "../../scripts/build-node.ts";
import { isPostgresUrl, type ProxyBenchOptions } from "./proxy-options.ts";

/** Gateway settings in this shell that would change what is measured, or write to a real database. */
const GATEWAY_SETTINGS = new Set([
  "NATS_URL",
  "DATABASE_URL",
  "SWITCHYARD_CONFIG",
  "SWITCHYARD_DATA_DIR",
  "SWITCHYARD_SECRET",
  "ADMIN_TOKEN",
  "CORS_ORIGINS",
  "TITLE_MODEL",
  "MAX_BODY_BYTES",
  "REQUEST_TIMEOUT_MS",
  "UPSTREAM_TIMEOUT_MS",
  "SY_SUBJECT_PREFIX",
]);

const GATEWAY_SOURCE = "bench/lib/proxy-gateway.ts";
/** Inside the repository (dist/ is ignored), so the bundle's npm packages resolve. */
const GATEWAY_BUILT_DIR = "dist/bench";

const FLOOR_SOURCE = "bench/lib/proxy-floor-server.ts";

/** The gateway child's entry: its source (tsx), or with --built its bundle (plain node). */
export const gatewayEntry = (opts: ProxyBenchOptions): string => (opts.built ? `${GATEWAY_BUILT_DIR}/proxy-gateway.mjs` : GATEWAY_SOURCE);
/** The floor's, likewise: built, it has no loader's memory or start-up in its figures either. */
export const floorEntry = (opts: ProxyBenchOptions): string => (opts.built ? `${GATEWAY_BUILT_DIR}/proxy-floor-server.mjs` : FLOOR_SOURCE);

/** For --built: the gateway entry (and the floor's) compiled as `npm run build:node` compiles the real one. */
export async function buildGateway(): Promise<void> {
  await buildNode(join(fileURLToPath(new URL("../../", import.meta.url)), GATEWAY_BUILT_DIR), { "proxy-gateway": GATEWAY_SOURCE, "proxy-floor-server": FLOOR_SOURCE });
}

/**
 * The gateway child's environment: this shell's without gateway settings, so it runs on
 * defaults: built-in routes, no keys (open mode, as it binds loopback), its own store.
 */
export function gatewayEnv(opts: ProxyBenchOptions, upstreamUrl: string, dataDir: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (/^(OPENAI|ANTHROPIC|GROQ)_/.test(k) || GATEWAY_SETTINGS.has(k)) delete env[k];
  // Only the auth-on gateway makes a key; it is given BENCH_AUTH=1 explicitly.
  delete env.BENCH_AUTH;
  return {
    ...env,
    OPENAI_API_KEY: "x",
    OPENAI_BASE_URL: `${upstreamUrl}/v1`,
    HOST: "127.0.0.1",
    PORT: "0",
    SWITCHYARD_DATA_DIR: opts.store === "memory" ? "memory" : dataDir,
    // A Postgres server wants the secret set (gateways on one database share it).
    ...(isPostgresUrl(opts.store) ? { DATABASE_URL: opts.store, SWITCHYARD_SECRET: "bench-proxy-secret-0123456789" } : {}),
    // A failed upstream call must show up as an error here, not hide in a retry.
    UPSTREAM_MAX_RETRIES: "0",
    BENCH_GATEWAY_LOG: opts.gatewayLog ? "on" : "off",
  };
}

/**
 * The auth-on gateway's database on a Postgres server: a sibling of the given one (`<name>_auth`,
 * made if missing). On the same database its key would end the other gateways' open mode, and
 * their requests would all be 401.
 */
export async function authStoreEnv(opts: ProxyBenchOptions): Promise<Record<string, string>> {
  if (!isPostgresUrl(opts.store)) return {};
  const url = new URL(opts.store);
  const name = `${url.pathname.slice(1)}_auth`;
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  url.pathname = `/${name}`;
  return { DATABASE_URL: url.toString() };
}

/** The end of the gateway's log, to show with a failure (its errors go there, not to stderr). */
export async function logTail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  const tail = text.trimEnd().split("\n").slice(-lines);
  return tail.length > 0 && tail[0] !== "" ? `\n  gateway log (${file}), last lines:\n    ${tail.join("\n    ")}` : "";
}

export interface Pinning {
  /** Wraps a child's command so it runs on these cores. */
  gateway: string[];
  others: string[];
  describe: string;
}

/** --pin: the gateway on the last core; this process (all its threads) and the upstream on the rest. */
export function pinCores(cores: number): Pinning {
  if (cores < 2) throw new Error("--pin needs at least 2 cores");
  if (spawnSync("taskset", ["-V"], { stdio: "ignore" }).error) throw new Error("--pin needs taskset (util-linux)");
  const rest = cores === 2 ? "0" : `0-${cores - 2}`;
  const last = String(cores - 1);
  const self = spawnSync("taskset", ["-a", "-p", "-c", rest, String(process.pid)], { encoding: "utf8" });
  if (self.status !== 0) throw new Error(`taskset failed: ${self.stderr.trim()}`);
  return {
    gateway: ["taskset", "-c", last],
    others: ["taskset", "-c", rest],
    describe: `pinned: gateway on core ${last}; load generator and upstream on core${cores === 2 ? "" : "s"} ${rest}, in direct runs too`,
  };
}
