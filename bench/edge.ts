/**
 * @module `npm run bench:edge`: a local-model stream through the Workers build under
 * Miniflare (workerd, Neon through the relay) with both NATS designs (a connection per
 * request; the NatsHub Durable Object holding one) against the Node build (`npm run edge`,
 * NATS over TCP), on the same gpu-node, interleaved: time to first token and tokens/s. Needs a Postgres
 * server: DATABASE_URL, or TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres
 * (a database of its own is created there and dropped).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import pg from "pg";
import { openStore } from "../edge/src/store/open-store.ts";
import { buildEdgeBundle } from "../tests/helpers/edge-bundle.ts";
import { startNatsServer, stopChild } from "../tests/helpers/nats-server.ts";
import { spawnGpuNode } from "../tests/helpers/processes.ts";
import { startWorkersEdge } from "../tests/helpers/workers-edge.ts";
import { runBench } from "./lib/cleanups.ts";
import { promptFor, type StreamOutcome, streamChat, ttftMs } from "./lib/scale-client.ts";
import { startGatewayProcess } from "./lib/scale-stack.ts";
import { percentileOf } from "./lib/stats.ts";

const { values } = parseArgs({ options: { rounds: { type: "string" }, streams: { type: "string" }, "max-tokens": { type: "string" } } });
const ROUNDS = Number(values.rounds ?? 5);
const STREAMS = Number(values.streams ?? 20);
const MAX_TOKENS = Number(values["max-tokens"] ?? 128);
const GOAL_MS = 5;

await runBench(async (cleanups) => {
  const tmp = await mkdtemp(join(tmpdir(), "sy-bench-edge-"));
  cleanups.add("temp folder", () => rm(tmp, { recursive: true, force: true }));
  const base = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const dbName = `sy_bench_edge_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  cleanups.add("database", async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists ${dbName} with (force)`);
    await c.end();
  });
  const dbUrl = new URL(base);
  dbUrl.pathname = `/${dbName}`;

  const [nats, bundle] = await Promise.all([startNatsServer(), buildEdgeBundle(join(tmp, "bundle"))]);
  cleanups.add("nats-server", () => nats.stop());
  const modelsDir = join(tmp, "models");
  await writeTinyLlamaGguf(join(modelsDir, "tiny.gguf"), { seed: 42 });
  const prefix = "be";
  const worker = await spawnGpuNode({ natsUrl: nats.url, modelsDir, workerId: "edge-bench", slots: 2, env: { SY_SUBJECT_PREFIX: prefix, LLAMA_CONTEXT_SIZE: "2048", LLAMA_KEEP_ALIVE: "-1" } });
  cleanups.add("gpu-node", () => stopChild(worker.child));
  // The Node build as `npm run edge` runs it (PGlite in memory: the store is off the chat path).
  const node = await startGatewayProcess({ natsUrl: nats.url, prefix, adminToken: "bench-admin" }, "least-loaded", join(tmp, "gateway.log"));
  cleanups.add("node gateway", () => node.stop());
  // Migrated from Node, as `npm run db:migrate` does for a deployed Worker.
  await (await openStore({ databaseUrl: dbUrl.toString(), pgliteDir: "unused" })).close();
  const perRequest = await startWorkersEdge({ bundleDir: bundle, natsWsUrl: nats.wsUrl, databaseUrl: dbUrl.toString(), prefix, bindings: { NATS_MODE: "per-request" } });
  cleanups.add("miniflare (per-request)", () => perRequest.stop());
  const hub = await startWorkersEdge({ bundleDir: bundle, natsWsUrl: nats.wsUrl, databaseUrl: dbUrl.toString(), prefix, bindings: { NATS_MODE: "hub" } });
  cleanups.add("miniflare (hub)", () => hub.stop());
  const targets = { node: node.url, "per-request": perRequest.url, hub: hub.url } as const;
  type Target = keyof typeof targets;
  const names = Object.keys(targets) as Target[];
  console.log(`bench:edge  ${STREAMS} sequential ${MAX_TOKENS}-token streams per target per round, ${ROUNDS} rounds + 1 warm-up, interleaved`);

  const results: Record<Target, StreamOutcome[]> = { node: [], "per-request": [], hub: [] };
  for (let round = 0; round <= ROUNDS; round++) {
    // Rotated, so no target always runs right after the same other one.
    const order = names.map((_, k) => names[(round + k) % names.length]!);
    for (const target of order) {
      const outcomes: StreamOutcome[] = [];
      for (let i = 0; i < STREAMS; i++) outcomes.push(await streamChat(targets[target], { model: "tiny", prompt: promptFor(`edge r${round}`, i), maxTokens: MAX_TOKENS, temperature: 0.8, seed: 42 }));
      const failed = outcomes.filter((o) => o.error);
      if (failed.length > 0) throw new Error(`${target}: ${failed.length} streams failed: ${failed[0]?.error}`);
      const ttft = percentileOf(outcomes.map(ttftMs), 0.5);
      console.log(`  ${round === 0 ? "warm-up" : `round ${round}`}  ${target.padEnd(11)} TTFT p50 ${ttft.toFixed(1).padStart(6)} ms  ${tps(outcomes).toFixed(0).padStart(6)} tok/s`);
      if (round > 0) results[target].push(...outcomes);
      await sleep(200);
    }
  }
  const row = (t: Target) => ({ ttft50: percentileOf(results[t].map(ttftMs), 0.5), ttft99: percentileOf(results[t].map(ttftMs), 0.99), tps: tps(results[t]) });
  const n = row("node");
  console.log("\n  build                  TTFT p50 ms   TTFT p99 ms   tok/s per stream (p50)");
  for (const t of names) {
    const r = row(t);
    console.log(`  ${(t === "node" ? "node" : `workers ${t}`).padEnd(22)} ${r.ttft50.toFixed(1).padStart(11)} ${r.ttft99.toFixed(1).padStart(13)} ${r.tps.toFixed(0).padStart(12)}`);
  }
  for (const t of ["per-request", "hub"] as const) {
    const r = row(t);
    const added = r.ttft50 - n.ttft50;
    const what = t === "hub" ? "the NatsHub Durable Object (one NATS connection, a live registry)" : "a NATS WebSocket connection and a registry read per request";
    console.log(`  workers ${t} (${what}): +${added.toFixed(1)} ms TTFT p50, tokens/s ${(r.tps / n.tps).toFixed(3)} × Node's   goal ≤ ${GOAL_MS} ms   ${added <= GOAL_MS ? "MET" : "MISSED"}`);
  }
  return 0;
});

/** Median over streams of tokens per second between the first and the last content delta. */
function tps(outcomes: readonly StreamOutcome[]): number {
  return percentileOf(
    outcomes.map((o) => ((o.tokens - 1) * 1000) / Math.max(1e-3, o.lastAt - o.firstAt)),
    0.5,
  );
}
