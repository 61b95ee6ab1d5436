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
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type ChildService, startChildService } from "./lib/child-service.ts";
import { type Cleanups, runBench } from "./lib/cleanups.ts";
import { cpuAccountingAvailable } from "./lib/cpu.ts";
import { PROFILE_INTERVAL_US, WINDOW_FILE } from "./lib/profiling.ts";
import { AUTH_ON_DESCRIPTION, AUTH_TARGETS, authPart, authSamples, writeAuthWindows } from "./lib/proxy-auth.ts";
import { AUTH_PROCESS, printAuthComparison, printAuthCpu, printAuthProbe } from "./lib/proxy-auth-report.ts";
import { checkSample } from "./lib/proxy-check.ts";
import { memoryPart } from "./lib/proxy-memory.ts";
import { cachePart, printCache, startCacheGateway } from "./lib/proxy-cache.ts";
import { floorPart, printFloor, startFloor } from "./lib/proxy-floor.ts";
import { measureTtfb, printTtfb } from "./lib/proxy-ttfb.ts";
import { MODEL, replyPieces } from "./lib/proxy-fixture.ts";
import { type Mode, PROXY_USAGE, parseProxyBenchOptions } from "./lib/proxy-options.ts";
import { MODE_TITLES, printComparison, printCorrectness, printCpu, printElsewhere, printProbe, type Target } from "./lib/proxy-report.ts";
import { type Bench, CHAT_PATH, type MeasuredWindow, runPart, urlOf, writeWindow } from "./lib/proxy-run.ts";
import { authStoreEnv, buildGateway, gatewayEntry, gatewayEnv, logTail, pinCores } from "./lib/proxy-setup.ts";

const TARGETS: readonly Target[] = ["direct", "gateway"];

/** Direct vs through the gateway: warm-up, measured rounds, 1-connection probe. Returns the measured window. */
const proxyPart = (b: Bench): Promise<MeasuredWindow> =>
  runPart(b, {
    pair: ["direct", "gateway"],
    warm: TARGETS,
    rounds: b.opts.rounds,
    duration: b.opts.duration,
    headings: { warmup: "warm-up", rounds: "measured rounds", probe: "1 connection" },
  });

async function main(cleanups: Cleanups): Promise<number> {
  const parsed = parseProxyBenchOptions(process.argv.slice(2), process.env);
  if (parsed === "help") {
    console.log(PROXY_USAGE);
    return 0;
  }
  const opts = parsed;
  const proxy = opts.parts.includes("proxy");
  const auth = opts.parts.includes("auth");
  const floor = opts.parts.includes("floor");
  const started = performance.now();
  const cores = availableParallelism();
  const pieces = replyPieces(opts.chunks);
  const pinning = opts.pin ? pinCores(cores) : undefined;
  console.log(`bench:proxy  node ${process.version}, ${cores} CPUs (${cpus()[0]?.model.trim() ?? "?"})`);
  console.log(
    `  POST ${CHAT_PATH} model ${MODEL}: ${opts.connections} connections, ${opts.warmup} s warm-up per mode and target, ` +
      `modes ${opts.modes.join(", ")}, ${opts.chunks} content chunks per stream, gateway log ${opts.gatewayLog ? "on (to a temp file)" : "off"}, ` +
      `store ${opts.store === "memory" ? "PGlite in memory" : opts.store === "disk" ? "PGlite in a temp folder" : "a Postgres server"}, upstream delay ${opts.upstreamDelayMs} ms, ` +
      `gateway node flags ${opts.gatewayNodeFlags.length > 0 ? opts.gatewayNodeFlags.join(" ") : "none"}`,
  );
  console.log(
    `  parts: ${[
      proxy ? `proxy (direct vs gateway, ${opts.rounds} rounds x ${opts.duration} s per mode and target)` : "",
      floor ? `floor (a bare node:http proxy, ${opts.rounds} rounds x ${opts.duration} s per mode)` : "",
      auth ? `auth (gateway auth off vs on, ${opts.authRounds} rounds x ${opts.authDuration} s per mode and side)` : "",
    ]
      .filter((p) => p !== "")
      .join("; ")}`,
  );
  if (auth) console.log(AUTH_ON_DESCRIPTION);
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
  if (opts.built) {
    await buildGateway();
    console.log(`  gateway: built ahead (${gatewayEntry(opts)}), run under plain node`);
  }

  let cpuProfDir: string | undefined;
  if (opts.cpuProf) {
    cpuProfDir = resolve(opts.cpuProf);
    await mkdir(join(cpuProfDir, "gateway"), { recursive: true });
    if (auth) await mkdir(join(cpuProfDir, "gateway-auth"), { recursive: true });
  }
  const profArgs = (sub: string) => (cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${join(cpuProfDir, sub)}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`] : []);
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-proxy-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  const memory = opts.parts.includes("memory");
  const cache = opts.parts.includes("cache");
  if (!proxy && !auth && !cache && !floor) return (await memoryPart(opts, cleanups, tmp)) ? 0 : 1;
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
      entry: gatewayEntry(opts),
      env: gatewayEnv(opts, upstream.url, join(tmp, "data")),
      // Opening the store (PGlite, migrations) takes a while on a small machine.
      timeoutMs: 60_000,
      stdoutFile: gatewayLog,
      wrapper: pinning?.gateway,
      nodeArgs: [...opts.gatewayNodeFlags, ...profArgs("gateway")],
    }),
    ...(auth
      ? [
          startChildService({
            name: "gateway (auth on)",
            entry: gatewayEntry(opts),
            env: { ...gatewayEnv(opts, upstream.url, join(tmp, "data-auth")), ...(await authStoreEnv(opts)), BENCH_AUTH: "1" },
            timeoutMs: 60_000,
            stdoutFile: authLog,
            wrapper: pinning?.gateway,
            nodeArgs: [...opts.gatewayNodeFlags, ...profArgs("gateway-auth")],
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
  if (auth) await authSamples(b, sample, authLog);

  const proxyWindow = proxy ? await proxyPart(b) : undefined;
  const ttfb = proxy && opts.modes.includes("stream") ? await measureTtfb(urlOf(b, "direct"), urlOf(b, "gateway"), 300) : undefined;
  if (floor) {
    await startFloor(b, cleanups, upstream.url);
    for (const mode of opts.modes) console.log(`  ${mode.padEnd(6)} floor    ${await sample(mode, "floor", "before the load")}`);
    await floorPart(b);
  }
  if (cache) {
    await startCacheGateway(b, cleanups, tmp, upstream.url);
    await cachePart(b);
  }
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
    if (ttfb) printTtfb(ttfb);
  }
  if (floor) printFloor(b.runs, opts.modes);
  if (cache) printCache(b.runs, b);
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
    if (authWindow) commands.push(...(await writeAuthWindows(cpuProfDir, authWindow, variants, requests)));
  }
  const memoryOk = memory ? await memoryPart(opts, cleanups, tmp) : true;
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (cpuProfDir) {
    console.log(`gateway profiles (written as they stop) in ${cpuProfDir}:`);
    for (const c of commands) console.log(`  ${c}`);
    if (opts.modes.length > 1) console.log("  (their per-request figures mix the modes: profile one at a time, e.g. --modes json --pin)");
  }
  return correct && memoryOk ? 0 : 1;
}

await runBench(main);
