/** @module `bench:proxy` settings from flags, falling back to BENCH_PROXY_* environment variables. */
import { parseArgs } from "node:util";
import { assertKnown, commaList, int } from "./option-values.ts";

export const MODES = ["json", "stream"] as const;
export type Mode = (typeof MODES)[number];

/**
 * What a run measures: "proxy" = direct vs through the gateway; "floor" = direct vs a bare
 * node:http proxy, the least any Node proxy costs; "auth" = the gateway with auth
 * off vs on; "cache" = a gateway answering every request from its response cache; "memory" = a
 * fresh gateway's RSS with many slow streams open (and a soak).
 */
export const PARTS = ["proxy", "floor", "auth", "cache", "memory"] as const;
export type Part = (typeof PARTS)[number];

export type PostgresUrl = `postgres://${string}` | `postgresql://${string}`;
export const isPostgresUrl = (s: string): s is PostgresUrl => s.startsWith("postgres://") || s.startsWith("postgresql://");

export interface ProxyBenchOptions {
  /** The comparisons to run, in this order. */
  parts: Part[];
  /** Concurrent connections of the load generator, each with one request in flight. */
  connections: number;
  /** Seconds per measured run. */
  duration: number;
  /** Seconds of unmeasured load per mode and target before the first round. */
  warmup: number;
  /** Measured rounds; each runs direct and gateway back to back per mode, in alternating order. */
  rounds: number;
  modes: Mode[];
  /** Content chunks in the fake upstream's stream (and pieces of the JSON reply's text). */
  chunks: number;
  /** Seconds per target and mode with a single connection, for latency without queueing; 0 skips. */
  probeDuration: number;
  /** Pause between runs, so one run's teardown (sockets, GC) lands outside the next. */
  settleMs: number;
  /** The gateway's request log: its real line logger (to a temp file), or a silent one. */
  gatewayLog: boolean;
  /**
   * The gateway's store (usage rows, keys): PGlite in a temp folder, as `npm run edge` keeps it,
   * in memory, or a Postgres server's URL (DATABASE_URL, as a deployed gateway has it).
   */
  store: "disk" | "memory" | PostgresUrl;
  /** The fake upstream waits this long before it answers, to see the overhead against a slower provider. */
  upstreamDelayMs: number;
  /**
   * Pins the gateway to the last core and the load generator and upstream to the others (taskset),
   * in the direct runs too: the gateway then never waits for a core, and its profile's wall time
   * is its CPU time.
   */
  pin: boolean;
  /** The gateway from its Node build (scripts/build-node.ts, plain node) instead of its source under tsx. */
  built: boolean;
  /** Node/V8 flags the gateway processes start with (every part), as a deployment's launcher might set them. */
  gatewayNodeFlags: string[];
  /** Seconds per measured run of the auth comparison. */
  authDuration: number;
  /** Rounds of the auth comparison; each runs auth off and on back to back per mode, in alternating order. */
  authRounds: number;
  /** Folder for a CPU profile of the gateway process, if set. */
  cpuProf: string | undefined;
  /** Memory part: streams held open at once. */
  streams: number;
  /** Memory part: how long the slow upstream takes to send one stream. */
  streamSeconds: number;
  /** Memory part: minutes of waves after the first (0: none). */
  soakMinutes: number;
  /** Memory part: seconds the RSS is watched when idle and after the streams end. */
  settleSeconds: number;
}

export const PROXY_USAGE = `npm run bench:proxy -- [options]
  --only LIST          comma list of what to run (BENCH_PROXY_ONLY, default ${PARTS.join(",")}):
                         proxy: direct to the fake upstream vs through the gateway (open mode, no keys)
                         floor: the same load through a bare node:http proxy (no parsing, auth or
                                accounting): the ratio and CPU no Node proxy beats here, and the
                                gateway's share of it
                         auth:  the gateway with auth off (open mode) vs a second one with auth on (an
                                API key with limits that never trigger; the load sends the key)
                         cache: a gateway with the response cache on, every request a hit
                                (goal: <= 300 µs of gateway CPU per hit)
                         memory: a fresh gateway's RSS idle, with --streams slow streams open at once,
                                and after they end (goals: <= 150 MB, back within 20 MB of idle); then
                                the floor's idle and peak with the same streams, for scale
  --streams N          memory part: streams held open at once (BENCH_PROXY_STREAMS, default 1000)
  --stream-seconds S   memory part: how long the slow upstream takes per stream (BENCH_PROXY_STREAM_SECONDS, default 10)
  --settle-seconds S   memory part: how long the RSS is watched when idle, as V8 gives memory back some
                       while after allocation stops (BENCH_PROXY_SETTLE_SECONDS, default 60); after the
                       streams end it is watched until back within the goal, up to 120 s (or S if longer)
  --soak-minutes M     memory part: waves of --streams streams for M minutes, RSS after each
                       (BENCH_PROXY_SOAK_MINUTES, default 0; the issue's soak is 10)
  --connections N      concurrent connections (BENCH_PROXY_CONNECTIONS, default 32)
  --duration S         seconds per measured run (BENCH_PROXY_DURATION, default 7)
  --warmup S           seconds of unmeasured load per mode and target first (BENCH_PROXY_WARMUP, default 2;
                       in the auth part after the proxy part only auth on, as auth off is the same gateway)
  --rounds N           measured rounds, each direct + gateway per mode (BENCH_PROXY_ROUNDS, default 2)
  --auth-duration S    seconds per measured run of the auth comparison (BENCH_PROXY_AUTH_DURATION, default 4)
  --auth-rounds N      auth rounds, each auth off + on per mode, alternating which goes first
                       (BENCH_PROXY_AUTH_ROUNDS, default 2: off, on, on, off)
  --modes LIST         comma list of ${MODES.join(", ")} (BENCH_PROXY_MODES, default ${MODES.join(",")})
  --chunks N           content chunks per upstream stream (BENCH_PROXY_CHUNKS, default 100)
  --probe-duration S   seconds per target and mode at 1 connection, 0 = skip (BENCH_PROXY_PROBE_DURATION, default 2)
  --settle-ms N        pause between runs (BENCH_PROXY_SETTLE_MS, default 500)
  --gateway-log on|off the gateway's request log, written to a temp file (BENCH_PROXY_GATEWAY_LOG, default on)
  --store disk|memory|postgres://…
                       the gateway's store: PGlite in a temp folder or in memory, or that Postgres server
                       (DATABASE_URL, no PGlite in the process) (BENCH_PROXY_STORE, default disk)
  --upstream-delay-ms N  the fake upstream waits N ms before answering (BENCH_PROXY_UPSTREAM_DELAY_MS, default 0)
  --built              run the gateway compiled ahead (npm run build:node's bundler), under plain node
                       without tsx, as a production gateway runs (BENCH_PROXY_BUILT=1)
  --gateway-node-flags="F …"
                       node/V8 flags for the gateway processes, space separated, to weigh a deployment's
                       settings (BENCH_PROXY_GATEWAY_NODE_FLAGS, default none; e.g. --optimize-for-size:
                       less memory for about twice the CPU)
  --pin                gateway on the last core, load generator and upstream on the others,
                       direct runs included (taskset; BENCH_PROXY_PIN=1)
  --cpu-prof DIR       CPU-profile the gateway processes into DIR (BENCH_PROXY_CPU_PROF); read it with
                       npx tsx bench/cpuprofile-top.ts DIR/<gateway> --window DIR/<part>.window.json, as printed
                       at the end (profile one mode at a time: --modes json)`;

export function parseProxyBenchOptions(argv: string[], env: NodeJS.ProcessEnv): ProxyBenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      modes: { type: "string" },
      only: { type: "string" },
      "auth-duration": { type: "string" },
      "auth-rounds": { type: "string" },
      chunks: { type: "string" },
      "probe-duration": { type: "string" },
      "settle-ms": { type: "string" },
      "gateway-log": { type: "string" },
      "cpu-prof": { type: "string" },
      pin: { type: "boolean" },
      built: { type: "boolean" },
      "gateway-node-flags": { type: "string" },
      store: { type: "string" },
      "upstream-delay-ms": { type: "string" },
      streams: { type: "string" },
      "stream-seconds": { type: "string" },
      "soak-minutes": { type: "string" },
      "settle-seconds": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) return "help";
  const modes = commaList(values.modes ?? env.BENCH_PROXY_MODES ?? MODES.join(","));
  if (modes.length === 0) throw new Error("modes must name at least one mode");
  assertKnown(modes, MODES, "mode");
  const parts = commaList(values.only ?? env.BENCH_PROXY_ONLY ?? PARTS.join(","));
  if (parts.length === 0) throw new Error(`only must name at least one of ${PARTS.join(", ")}`);
  assertKnown(parts, PARTS, "part", " for --only");
  const log = values["gateway-log"] ?? env.BENCH_PROXY_GATEWAY_LOG ?? "on";
  if (log !== "on" && log !== "off") throw new Error(`gateway-log must be on or off, got ${log}`);
  const store = values.store ?? env.BENCH_PROXY_STORE ?? "disk";
  if (store !== "disk" && store !== "memory" && !isPostgresUrl(store)) throw new Error(`store must be disk, memory or a postgres:// URL, got ${store}`);
  return {
    // Always in the order of PARTS, however they were listed.
    parts: PARTS.filter((p) => parts.includes(p)),
    connections: int("connections", values.connections ?? env.BENCH_PROXY_CONNECTIONS, 32, 1),
    duration: int("duration", values.duration ?? env.BENCH_PROXY_DURATION, 7, 1),
    warmup: int("warmup", values.warmup ?? env.BENCH_PROXY_WARMUP, 2, 0),
    rounds: int("rounds", values.rounds ?? env.BENCH_PROXY_ROUNDS, 2, 1),
    modes: [...new Set(modes)],
    chunks: int("chunks", values.chunks ?? env.BENCH_PROXY_CHUNKS, 100, 1),
    probeDuration: int("probe-duration", values["probe-duration"] ?? env.BENCH_PROXY_PROBE_DURATION, 2, 0),
    settleMs: int("settle-ms", values["settle-ms"] ?? env.BENCH_PROXY_SETTLE_MS, 500, 0),
    gatewayLog: log === "on",
    store,
    upstreamDelayMs: int("upstream-delay-ms", values["upstream-delay-ms"] ?? env.BENCH_PROXY_UPSTREAM_DELAY_MS, 0, 0),
    pin: values.pin ?? ["1", "true", "on"].includes(env.BENCH_PROXY_PIN ?? ""),
    built: values.built ?? ["1", "true", "on"].includes(env.BENCH_PROXY_BUILT ?? ""),
    gatewayNodeFlags: (values["gateway-node-flags"] ?? env.BENCH_PROXY_GATEWAY_NODE_FLAGS ?? "").split(/\s+/).filter((f) => f !== ""),
    authDuration: int("auth-duration", values["auth-duration"] ?? env.BENCH_PROXY_AUTH_DURATION, 4, 1),
    authRounds: int("auth-rounds", values["auth-rounds"] ?? env.BENCH_PROXY_AUTH_ROUNDS, 2, 1),
    cpuProf: values["cpu-prof"] ?? env.BENCH_PROXY_CPU_PROF,
    streams: int("streams", values.streams ?? env.BENCH_PROXY_STREAMS, 1000, 1),
    streamSeconds: int("stream-seconds", values["stream-seconds"] ?? env.BENCH_PROXY_STREAM_SECONDS, 10, 1),
    soakMinutes: int("soak-minutes", values["soak-minutes"] ?? env.BENCH_PROXY_SOAK_MINUTES, 0, 0),
    settleSeconds: int("settle-seconds", values["settle-seconds"] ?? env.BENCH_PROXY_SETTLE_SECONDS, 60, 5),
  };
}
