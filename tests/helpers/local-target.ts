/**
 * @module A gateway in front of a real gpu-node and tts-node for the API and speech suites, on
 * each runtime: the embedded stack (in-process bus, or NATS), or the Workers build under
 * Miniflare in front of worker processes (NATS over WebSocket, Postgres through Neon). Each
 * says what its workers are doing, in-process or from their /metrics.
 */
import type OpenAI from "openai";
import { inject } from "vitest";
import { createTestDatabase } from "./databases.ts";
import { freePort } from "./free-port.ts";
import { stopChild } from "./nats-server.ts";
import { spawnGpuNode, spawnTtsNode } from "./processes.ts";
import { scrape, total } from "./prom-text.ts";
import { startTestStack } from "./stack.ts";
import { startWorkersEdge, TEST_SEND_TIMEOUT_MS } from "./workers-edge.ts";

/** "workers": a NATS connection per request; "workers-hub": through the NatsHub Durable Object. */
export type LocalKind = "in-process" | "nats" | "workers" | "workers-hub";

/** The Workers build needs a Postgres server (it has no PGlite): with TEST_DATABASE_URL, as in CI. */
export const localKinds = (): LocalKind[] => ["in-process", "nats", ...(process.env.TEST_DATABASE_URL ? (["workers", "workers-hub"] as const) : [])];

export interface LocalTarget {
  url: string;
  client: OpenAI;
  /** Requests the gpu-node is working on now. */
  activeRequests(): Promise<number>;
  /** Slots of `model` the gpu-node holds now. */
  reservedSlots(model: string): Promise<number>;
  /** Requests the gpu-node has finished with this outcome ("complete", "cancelled", …), chat and embeddings. */
  finishedRequests(outcome: string): Promise<number>;
  /** The tts-node's syntheses running now, and stopped by a cancel so far. */
  speech(): Promise<{ active: number; cancelled: number }>;
  /** Waits until the usage and conversation writes of past requests have landed. */
  settle(): Promise<void>;
  /** Workers targets: what the Worker printed so far, and its send timeout (for cuts it logged). */
  workers?: { output(): string; sendTimeoutMs: number };
  stop(): Promise<void>;
}

/** `modelsDir`: the worker's models (default the suite's one generated model). */
export async function startLocalTarget(kind: LocalKind, env: Record<string, string>, opts: { modelsDir?: string } = {}): Promise<LocalTarget> {
  const modelsDir = opts.modelsDir ?? inject("modelsDir");
  if (kind === "in-process" || kind === "nats") {
    const stack = await startTestStack({ modelsDir, natsUrl: kind === "nats" ? inject("natsUrl") : undefined, env });
    return {
      url: stack.url,
      client: stack.client,
      activeRequests: async () => stack.gpuNode.worker.activeRequests,
      reservedSlots: async (model) => stack.gpuNode.catalog.get(model)?.reserved ?? 0,
      finishedRequests: async (outcome) =>
        (await stack.gpuNode.metrics.requests.get()).values.filter((v) => v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0),
      speech: async () => ({ active: stack.ttsNode.worker.activeRequests, cancelled: stack.ttsNode.worker.cancelled }),
      settle: async () => {
        await stack.gateway.deps.writes.drain(2_000);
      },
      stop: () => stack.stop(),
    };
  }
  const prefix = `l${Math.random().toString(36).slice(2, 8)}`;
  const [metricsPort, ttsMetricsPort] = [await freePort(), await freePort()];
  const db = await createTestDatabase("postgres");
  await (await db.open()).close();
  const [worker, tts] = await Promise.all([
    spawnGpuNode({ natsUrl: inject("natsUrl"), modelsDir, workerId: "w-api", slots: 2, metricsPort, env: { SY_SUBJECT_PREFIX: prefix, LLAMA_CONTEXT_SIZE: "2048" } }),
    spawnTtsNode({ natsUrl: inject("natsUrl"), voicesDir: inject("voicesDir"), workerId: "t-api", metricsPort: ttsMetricsPort, env: { SY_SUBJECT_PREFIX: prefix } }),
  ]);
  const edge = await startWorkersEdge({ bundleDir: inject("edgeBundleDir"), natsWsUrl: inject("natsWsUrl"), databaseUrl: db.url!, prefix, bindings: { SEND_TIMEOUT_MS: String(TEST_SEND_TIMEOUT_MS), ...env, NATS_MODE: kind === "workers-hub" ? "hub" : "per-request" } });
  const metrics = () => scrape(`http://127.0.0.1:${metricsPort}/metrics`);
  return {
    url: edge.url,
    client: edge.client,
    activeRequests: async () => total(await metrics(), "switchyard_worker_generations_running"),
    reservedSlots: async (model) => total(await metrics(), "switchyard_worker_slots_busy", { model }),
    finishedRequests: async (outcome) => total(await metrics(), "switchyard_worker_requests_total", { outcome }),
    async speech() {
      const m = await scrape(`http://127.0.0.1:${ttsMetricsPort}/metrics`);
      return { active: total(m, "switchyard_tts_active_requests"), cancelled: total(m, "switchyard_tts_cancelled_total") };
    },
    settle: () => edge.settled(),
    workers: { output: () => edge.output(), sendTimeoutMs: Number(env.SEND_TIMEOUT_MS ?? TEST_SEND_TIMEOUT_MS) },
    async stop() {
      await edge.stop();
      await Promise.all([stopChild(worker.child), stopChild(tts.child)]);
      await db.drop();
    },
  };
}

/** Polls an async condition until it holds; returns the milliseconds it took. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, stepMs = 5): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return Date.now() - start;
}
