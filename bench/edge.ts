/**
 * @module `npm run bench:edge`: a local-model stream through the Workers build under
 * Miniflare (workerd; a NATS WebSocket connection per request, Neon through the relay) against
 * the Node build (`npm run edge`, NATS over TCP), on the same gpu-node, interleaved: time to
 * first token, tokens/s, and the cost per request of the Workers design. Needs a Postgres
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
  const workers = await startWorkersEdge({ bundleDir: bundle, natsWsUrl: nats.wsUrl, databaseUrl: dbUrl.toString(), prefix });
  cleanups.add("miniflare", () => workers.stop());
  const targets = { node: node.url, workers: workers.url } as const;
  console.log(`bench:edge  ${STREAMS} sequential ${MAX_TOKENS}-token streams per target per round, ${ROUNDS} rounds + 1 warm-up, interleaved`);

  const results: Record<keyof typeof targets, StreamOutcome[]> = { node: [], workers: [] };
  for (let round = 0; round <= ROUNDS; round++) {
    const order = (round % 2 === 0 ? ["node", "workers"] : ["workers", "node"]) as Array<keyof typeof targets>;
    for (const target of order) {
      const outcomes: StreamOutcome[] = [];
      for (let i = 0; i < STREAMS; i++) outcomes.push(await streamChat(targets[target], { model: "tiny", prompt: promptFor(`edge r${round}`, i), maxTokens: MAX_TOKENS, temperature: 0.8, seed: 42 }));
      const failed = outcomes.filter((o) => o.error);
      if (failed.length > 0) throw new Error(`${target}: ${failed.length} streams failed: ${failed[0]?.error}`);
      const ttft = percentileOf(outcomes.map(ttftMs), 0.5);
      console.log(`  ${round === 0 ? "warm-up" : `round ${round}`}  ${target.padEnd(8)} TTFT p50 ${ttft.toFixed(1).padStart(6)} ms  ${tps(outcomes).toFixed(0).padStart(6)} tok/s`);
      if (round > 0) results[target].push(...outcomes);
      await sleep(200);
    }
  }
  const row = (t: keyof typeof targets) => ({ ttft50: percentileOf(results[t].map(ttftMs), 0.5), ttft99: percentileOf(results[t].map(ttftMs), 0.99), tps: tps(results[t]) });
  const n = row("node");
  const w = row("workers");
  console.log("\n  build     TTFT p50 ms   TTFT p99 ms   tok/s per stream (p50)");
  for (const [name, r] of [["node", n], ["workers", w]] as const) console.log(`  ${name.padEnd(8)} ${r.ttft50.toFixed(1).padStart(11)} ${r.ttft99.toFixed(1).padStart(13)} ${r.tps.toFixed(0).padStart(12)}`);
  const added = w.ttft50 - n.ttft50;
  console.log(
    `\n  Workers (a NATS WebSocket connection, a registry read and a Neon pool per request) adds ${added.toFixed(1)} ms to TTFT p50; ` +
      `tokens/s ${(w.tps / n.tps).toFixed(3)} × Node's   goal ≤ ${GOAL_MS} ms   ${added <= GOAL_MS ? "MET" : "MISSED"}`,
  );
  return 0;
});

/** Median over streams of tokens per second between the first and the last content delta. */
function tps(outcomes: readonly StreamOutcome[]): number {
  return percentileOf(
    outcomes.map((o) => ((o.tokens - 1) * 1000) / Math.max(1e-3, o.lastAt - o.firstAt)),
    0.5,
  );
}
