/**
 * @module `npm run bench:proxy`: what the gateway costs as a proxy. A fast fake OpenAI upstream
 * (its own process) answers a fixed chat.completion or a fixed SSE stream; autocannon (this
 * process) puts the same closed-loop load on it directly and through the real gateway (its own
 * process, routing gpt-4o-mini to the OpenAI provider pointed at the fake), non-streaming and
 * streaming. Direct and gateway run back to back per mode, alternating which goes first, over
 * several rounds after a warm-up; then one connection each for latency without queueing.
 *
 * The auth comparison (--only auth, and part of the default run) puts the same load on that
 * gateway, in open mode ("auth off": no keys; usage rows are still written), and on a second
 * gateway process built the same way whose store holds an API key with limits that never trigger
 * but whose checks all run ("auth on": the load sends `Authorization: Bearer <key>`, so every
 * request is authenticated, admitted by the limiter and has its tokens booked). Off and on
 * alternate (off, on, on, off, ...) per mode; the goal is auth on at >= 0.9 of the rps.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type ChildService, startChildService } from "./lib/child-service.ts";
import { Cleanups } from "./lib/cleanups.ts";
import { cpuAccountingAvailable, diff, snapshot, type WatchedProcess } from "./lib/cpu.ts";
import { latencyAt, runLoad } from "./lib/load.ts";
import { PROFILE_INTERVAL_US, type ProfileWindow, WINDOW_FILE } from "./lib/profiling.ts";
import { AUTH_PROCESS, printAuthComparison, printAuthCpu, printAuthProbe } from "./lib/proxy-auth-report.ts";
import { checkRejected, checkSample } from "./lib/proxy-check.ts";
import { BENCH_KEY_LIMITS, bodyCheck, MODEL, replyPieces, requestBody } from "./lib/proxy-fixture.ts";
import { type Mode, type ProxyBenchOptions, PROXY_USAGE, parseProxyBenchOptions } from "./lib/proxy-options.ts";
import {
  MODE_TITLES,
  printComparison,
  printCorrectness,
  printCpu,
  printElsewhere,
  printProbe,
  type ProxyRun,
  type Target,
} from "./lib/proxy-report.ts";
import { readSystemTimes } from "./lib/system-cpu.ts";

const CHAT_PATH = "/v1/chat/completions";
const TARGETS: readonly Target[] = ["direct", "gateway"];
const AUTH_TARGETS = ["auth-off", "auth-on"] as const;

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

/**
 * The gateway child's environment: this shell's without gateway settings, so it runs on
 * defaults: built-in routes, no keys (open mode, as it binds loopback), its own store.
 */
function gatewayEnv(opts: ProxyBenchOptions, upstreamUrl: string, dataDir: string): Record<string, string | undefined> {
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
    // A failed upstream call must show up as an error here, not hide in a retry.
    UPSTREAM_MAX_RETRIES: "0",
    BENCH_GATEWAY_LOG: opts.gatewayLog ? "on" : "off",
  };
}

/** The end of the gateway's log, to show with a failure (its errors go there, not to stderr). */
async function logTail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  const tail = text.trimEnd().split("\n").slice(-lines);
  return tail.length > 0 && tail[0] !== "" ? `\n  gateway log (${file}), last lines:\n    ${tail.join("\n    ")}` : "";
}

interface Pinning {
  /** Wraps a child's command so it runs on these cores. */
  gateway: string[];
  others: string[];
  describe: string;
}

/** --pin: the gateway on the last core; this process (all its threads) and the upstream on the rest. */
function pinCores(cores: number): Pinning {
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

interface Bench {
  opts: ProxyBenchOptions;
  cores: number;
  pieces: string[];
  urls: Partial<Record<Target, string>>;
  /** Extra request headers per target: the auth-on gateway's key. */
  headers: Partial<Record<Target, Record<string, string>>>;
  watched: WatchedProcess[];
  runs: ProxyRun[];
}

function urlOf(b: Bench, target: Target): string {
  const url = b.urls[target];
  if (!url) throw new Error(`no ${target} target in this run`);
  return url;
}

async function measure(b: Bench, mode: Mode, target: Target, round: number, connections: number, duration: number): Promise<ProxyRun> {
  const stream = mode === "stream";
  const sys0 = readSystemTimes();
  const before = snapshot(b.watched);
  const load = await runLoad({
    url: urlOf(b, target),
    body: requestBody(stream),
    headers: b.headers[target],
    connections,
    duration,
    verifyBody: bodyCheck(stream, b.pieces),
  });
  const cpu = diff(before, snapshot(b.watched));
  const sys1 = readSystemTimes();
  let elsewherePct = Number.NaN;
  let stealPct = Number.NaN;
  if (sys0 && sys1 && cpu.size === b.watched.length) {
    const ours = [...cpu.values()].reduce((s, t) => s + t.mainNs + t.otherNs, 0);
    const capacityNs = load.wallS * 1e9 * b.cores;
    elsewherePct = (100 * Math.max(0, sys1.busyNs - sys0.busyNs - ours)) / capacityNs;
    stealPct = (100 * (sys1.stealNs - sys0.stealNs)) / capacityNs;
  }
  const run: ProxyRun = { mode, target, round, load, cpu, elsewherePct, stealPct };
  b.runs.push(run);
  await sleep(b.opts.settleMs);
  return run;
}

const brief = (r: ProxyRun) =>
  `${r.target.padEnd(8)} ${r.load.rps.toFixed(0).padStart(6)} rps  p50 ${latencyAt(r.load, 0.5).toFixed(2)} ms  p99 ${latencyAt(r.load, 0.99).toFixed(2).padEnd(6)} ms` +
  `  elsewhere ${Number.isFinite(r.elsewherePct) ? r.elsewherePct.toFixed(0) : "-"}%`;

/** Writes a profile window: the gateway profiles cover everything, the window picks a part's runs. */
async function writeWindow(dir: string, file: string, startUs: number, endUs: number, variants: string[], requests: number): Promise<void> {
  const window: ProfileWindow = { startUs, endUs, variants, tokens: requests, unit: "req" };
  await writeFile(join(dir, file), JSON.stringify(window));
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Direct vs through the gateway: warm-up, measured rounds, 1-connection probe. Returns the measured window. */
async function proxyPart(b: Bench): Promise<{ startUs: number; endUs: number }> {
  const { opts } = b;
  if (opts.warmup > 0) {
    console.log("\nwarm-up:");
    for (const mode of opts.modes) {
      for (const target of TARGETS) console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, target, 0, opts.connections, opts.warmup))}`);
    }
  }

  console.log("\nmeasured rounds:");
  const startUs = monotonicUs();
  for (let round = 1; round <= opts.rounds; round++) {
    for (const mode of opts.modes) {
      // Alternating which goes first evens out any advantage of running right after the other.
      const order: Target[] = round % 2 === 1 ? ["direct", "gateway"] : ["gateway", "direct"];
      for (const target of order) console.log(`  round ${round} ${mode.padEnd(6)} ${brief(await measure(b, mode, target, round, opts.connections, opts.duration))}`);
    }
  }
  const endUs = monotonicUs();

  if (opts.probeDuration > 0) {
    console.log("\n1 connection:");
    for (const mode of opts.modes) {
      for (const target of TARGETS) console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, target, -1, 1, opts.probeDuration))}`);
    }
  }
  return { startUs, endUs };
}

/**
 * Auth off vs on, same load: warm-up of each, then rounds of off and on back to back per mode
 * (off, on, on, off, ...), then one connection each. Returns the measured window.
 */
async function authPart(b: Bench): Promise<{ startUs: number; endUs: number }> {
  const { opts } = b;
  if (opts.warmup > 0) {
    // After the proxy part the auth-off gateway (the same process) is warm already.
    const cold = opts.parts.includes("proxy") ? (["auth-on"] as const) : AUTH_TARGETS;
    console.log(`\nauth warm-up${cold.length === 1 ? " (auth on only: auth off is the proxy part's gateway, warm already)" : ""}:`);
    for (const mode of opts.modes) {
      for (const target of cold) console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, target, 0, opts.connections, opts.warmup))}`);
    }
  }

  console.log("\nauth measured rounds:");
  const startUs = monotonicUs();
  for (let round = 1; round <= opts.authRounds; round++) {
    for (const mode of opts.modes) {
      const order: Target[] = round % 2 === 1 ? ["auth-off", "auth-on"] : ["auth-on", "auth-off"];
      for (const target of order)
        console.log(`  round ${round} ${mode.padEnd(6)} ${brief(await measure(b, mode, target, round, opts.connections, opts.authDuration))}`);
    }
  }
  const endUs = monotonicUs();

  if (opts.probeDuration > 0) {
    console.log("\nauth, 1 connection:");
    for (const mode of opts.modes) {
      for (const target of AUTH_TARGETS) console.log(`  ${mode.padEnd(6)} ${brief(await measure(b, mode, target, -1, 1, opts.probeDuration))}`);
    }
  }
  return { startUs, endUs };
}

async function main(cleanups: Cleanups): Promise<number> {
  const parsed = parseProxyBenchOptions(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(PROXY_USAGE);
    return 0;
  }
  const opts = parsed;
  const proxy = opts.parts.includes("proxy");
  const auth = opts.parts.includes("auth");
  const started = performance.now();
  const cores = availableParallelism();
  const pieces = replyPieces(opts.chunks);
  const pinning = opts.pin ? pinCores(cores) : undefined;
  console.log(`bench:proxy  node ${process.version}, ${cores} CPUs (${cpus()[0]?.model.trim() ?? "?"})`);
  console.log(
    `  POST ${CHAT_PATH} model ${MODEL}: ${opts.connections} connections, ${opts.warmup} s warm-up per mode and target, ` +
      `modes ${opts.modes.join(", ")}, ${opts.chunks} content chunks per stream, gateway log ${opts.gatewayLog ? "on (to a temp file)" : "off"}, ` +
      `store ${opts.store === "memory" ? "PGlite in memory" : "PGlite in a temp folder"}, upstream delay ${opts.upstreamDelayMs} ms`,
  );
  console.log(
    `  parts: ${[
      proxy ? `proxy (direct vs gateway, ${opts.rounds} rounds x ${opts.duration} s per mode and target)` : "",
      auth ? `auth (gateway auth off vs on, ${opts.authRounds} rounds x ${opts.authDuration} s per mode and side)` : "",
    ]
      .filter((p) => p !== "")
      .join("; ")}`,
  );
  if (auth)
    console.log(
      `  auth on: a second gateway, built the same way, whose store holds one API key (models ${BENCH_KEY_LIMITS.models.join(",")}, ` +
        `rpm ${BENCH_KEY_LIMITS.rpm}, tpm ${BENCH_KEY_LIMITS.tpm}, daily and monthly tokens ${BENCH_KEY_LIMITS.dailyTokens}); the load sends it as a Bearer token`,
    );
  const gatewayCount = auth ? "gateway (two for auth: off and on)" : "gateway";
  console.log(
    pinning
      ? `  processes: load generator (autocannon, this process), fake upstream, ${gatewayCount}; ${cores} cores, ${pinning.describe}.`
      : `  processes: load generator (autocannon, this process), fake upstream, ${gatewayCount}, on ${cores} cores. Direct runs keep two ` +
          `processes busy, gateway runs three` +
          (cores <= 2
            ? `: on this ${cores}-core machine the gateway competes with the load generator and the upstream for CPU, so the ` +
              `rps ratio understates what a gateway with a core of its own would do (see --pin); CPU per request is the steadier figure.`
            : "."),
  );
  console.log(`  "elsewhere": share of the machine's CPU used outside these processes during a run (other work, interrupts)`);

  let cpuProfDir: string | undefined;
  if (opts.cpuProf) {
    cpuProfDir = resolve(opts.cpuProf);
    await mkdir(join(cpuProfDir, "gateway"), { recursive: true });
    if (auth) await mkdir(join(cpuProfDir, "gateway-auth"), { recursive: true });
  }
  const profArgs = (sub: string) => (cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${join(cpuProfDir, sub)}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`] : []);
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-proxy-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  const gatewayLog = join(tmp, "gateway.log");
  const authLog = join(tmp, "gateway-auth.log");
  const upstream: ChildService = await startChildService({
    name: "fake upstream",
    entry: "bench/lib/proxy-upstream.ts",
    env: { ...process.env, PORT: "0", BENCH_UPSTREAM_CHUNKS: String(opts.chunks), BENCH_UPSTREAM_DELAY_MS: String(opts.upstreamDelayMs) },
    wrapper: pinning?.others,
  });
  cleanups.add("fake upstream", () => upstream.stop());
  // Both gateways start together; each has its own store (and so its own secret) in its own folder.
  const starting = [
    startChildService({
      name: "gateway",
      entry: "bench/lib/proxy-gateway.ts",
      env: gatewayEnv(opts, upstream.url, join(tmp, "data")),
      // Opening the store (PGlite, migrations) takes a while on a small machine.
      timeoutMs: 60_000,
      stdoutFile: gatewayLog,
      wrapper: pinning?.gateway,
      nodeArgs: profArgs("gateway"),
    }),
    ...(auth
      ? [
          startChildService({
            name: "gateway (auth on)",
            entry: "bench/lib/proxy-gateway.ts",
            env: { ...gatewayEnv(opts, upstream.url, join(tmp, "data-auth")), BENCH_AUTH: "1" },
            timeoutMs: 60_000,
            stdoutFile: authLog,
            wrapper: pinning?.gateway,
            nodeArgs: profArgs("gateway-auth"),
          }),
        ]
      : []),
  ];
  const settled = await Promise.allSettled(starting);
  for (const s of settled) if (s.status === "fulfilled") cleanups.add(s.value.name, () => s.value.stop());
  for (const s of settled) if (s.status === "rejected") throw s.reason;
  const [gateway, gatewayAuth] = settled.map((s) => (s as PromiseFulfilledResult<ChildService>).value) as [ChildService, ChildService | undefined];
  if (gatewayAuth && !gatewayAuth.key) throw new Error("the auth-on gateway did not report its API key");
  const b: Bench = {
    opts,
    cores,
    pieces,
    urls: {
      direct: `${upstream.url}${CHAT_PATH}`,
      gateway: `${gateway.url}${CHAT_PATH}`,
      "auth-off": `${gateway.url}${CHAT_PATH}`,
      ...(gatewayAuth ? { "auth-on": `${gatewayAuth.url}${CHAT_PATH}` } : {}),
    },
    headers: gatewayAuth?.key ? { "auth-on": { authorization: `Bearer ${gatewayAuth.key}` } } : {},
    watched: [
      { name: "bench", pid: process.pid },
      { name: "upstream", pid: upstream.pid },
      { name: "gateway", pid: gateway.pid },
      ...(gatewayAuth ? [{ name: AUTH_PROCESS["auth-on"], pid: gatewayAuth.pid }] : []),
    ],
    runs: [],
  };
  console.log(
    `  fake upstream ${upstream.url} (pid ${upstream.pid}), gateway ${gateway.url} (pid ${gateway.pid})` +
      (gatewayAuth ? `, gateway with auth on ${gatewayAuth.url} (pid ${gatewayAuth.pid}, key ${gatewayAuth.key?.slice(0, 10)}…)` : "") +
      `, ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (!cpuAccountingAvailable()) console.log("  (no /proc schedstat here: no CPU accounting)");

  const logOf = (target: Target) => (target === "auth-on" ? authLog : gatewayLog);
  const sample = async (mode: Mode, target: Target, when: string) =>
    checkSample(urlOf(b, target), mode === "stream", pieces, b.headers[target]).catch(async (err: Error) => {
      throw new Error(`sample ${mode} request ${when} to ${target} failed: ${err.message}${target === "direct" ? "" : await logTail(logOf(target))}`);
    });

  console.log("\nsample requests (correctness):");
  if (proxy) {
    for (const mode of opts.modes) for (const target of TARGETS) console.log(`  ${mode.padEnd(6)} ${target.padEnd(8)} ${await sample(mode, target, "before the load")}`);
  }
  if (auth) {
    // Auth on must really authenticate: no key, or a well-formed wrong one, is turned away.
    const rejected = async (what: string, headers: Record<string, string>) => {
      const got = await checkRejected(urlOf(b, "auth-on"), headers).catch(async (err: Error) => {
        throw new Error(`the auth-on gateway must answer a request ${what} with 401: ${err.message}${await logTail(authLog)}`);
      });
      console.log(`  json   auth-on  ${what}: ${got} [ok]`);
    };
    await rejected("without a key", {});
    await rejected("with a wrong key", { authorization: `Bearer sk-sy-${"0".repeat(32)}` });
    for (const mode of opts.modes) {
      for (const target of AUTH_TARGETS) {
        const what = await sample(mode, target, "before the load");
        if (target === "auth-on" && !what.includes(`of ${BENCH_KEY_LIMITS.rpm}`))
          throw new Error(`the auth-on gateway answered without the key's x-ratelimit-* headers: the limiter did not run (${what})`);
        console.log(`  ${mode.padEnd(6)} ${target.padEnd(8)} ${what}`);
      }
    }
  }

  const proxyWindow = proxy ? await proxyPart(b) : undefined;
  const authWindow = auth ? await authPart(b) : undefined;

  // The gateways must still answer correctly after all that.
  console.log("\nsample requests after the load:");
  for (const mode of opts.modes) {
    for (const target of [...(proxy ? ["gateway" as const] : []), ...(auth ? AUTH_TARGETS : [])]) {
      console.log(`  ${mode.padEnd(6)} ${target.padEnd(8)} ${await sample(mode, target, "after the load")}`);
    }
  }

  if (proxy) {
    printComparison(b.runs, opts.modes, opts.connections, opts.duration);
    console.log(
      `  (closed loop: each connection waits for its response, so at saturation latency ~ connections / rps, and the added ` +
        `latency at ${opts.connections} connections mostly mirrors the throughput gap; the 1-connection figures below do not queue)`,
    );
    printCpu(b.runs, opts.modes, ["bench", "upstream", "gateway"], cores);
    printProbe(b.runs, opts.modes, opts.probeDuration);
  }
  if (auth) {
    printAuthComparison(b.runs, opts.modes, opts.connections, opts.authDuration);
    printAuthCpu(b.runs, opts.modes, cores);
    printAuthProbe(b.runs, opts.modes, opts.probeDuration);
  }
  printElsewhere(b.runs);
  const correct = printCorrectness(b.runs);
  if (!correct) {
    console.log(await logTail(gatewayLog));
    if (auth) console.log(await logTail(authLog));
  }
  console.log(`  samples before and after the load: ${opts.modes.map((m) => MODE_TITLES[m]).join(", ")} [ok]`);

  const commands: string[] = [];
  if (cpuProfDir) {
    const requests = (target: Target) => b.runs.filter((r) => r.round > 0 && r.target === target).reduce((s, r) => s + r.load.responses, 0);
    const variants = (what: string) => opts.modes.map((m) => `${what} ${m}`);
    if (proxyWindow) {
      await writeWindow(cpuProfDir, WINDOW_FILE, proxyWindow.startUs, proxyWindow.endUs, variants("gateway"), requests("gateway"));
      commands.push(`proxy part, gateway: npx tsx bench/cpuprofile-top.ts ${join(cpuProfDir, "gateway")} --window ${join(cpuProfDir, WINDOW_FILE)}`);
    }
    if (authWindow) {
      // The auth-off runs' gateway idles while auth on runs and the other way round: idle samples do not count per request.
      for (const target of AUTH_TARGETS) {
        const file = `${target}.window.json`;
        await writeWindow(cpuProfDir, file, authWindow.startUs, authWindow.endUs, variants(target), requests(target));
        commands.push(`${target}: npx tsx bench/cpuprofile-top.ts ${join(cpuProfDir, AUTH_PROCESS[target])} --window ${join(cpuProfDir, file)}`);
      }
    }
  }
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (cpuProfDir) {
    console.log(`gateway profiles (written as they stop) in ${cpuProfDir}:`);
    for (const c of commands) console.log(`  ${c}`);
    if (opts.modes.length > 1) console.log("  (their per-request figures mix the modes: profile one at a time, e.g. --modes json --pin)");
  }
  return correct ? 0 : 1;
}

const cleanups = new Cleanups();
cleanups.onSignals();
const code = await main(cleanups).catch((err: unknown) => {
  if (!cleanups.interrupted) console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return 1;
});
await cleanups.runAll();
process.exit(code);
