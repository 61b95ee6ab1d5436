/**
 * A pool that knows its capacity: three gpu-node processes (1, 1 and 2 slots) and three
 * gateways on one nats-server. Requests start only where a slot is free (counted on the
 * workers), a short request never waits behind a long one while a slot is free elsewhere,
 * the queue is FIFO and bounded (429 / 503 with retry-after), a queued client that leaves
 * leaves the queue, a worker that joins takes queued work, and /metrics moves with it all.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "./helpers/free-port.ts";
import { type TestGateway, startGateway } from "./helpers/gateway.ts";
import { scrape, total } from "./helpers/prom-text.ts";
import { stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { postRaw, waitFor } from "./helpers/stack.ts";
import { type OpenStream, openStream } from "./helpers/streams.ts";

const user = (content: string) => [{ role: "user" as const, content }];
const SLOTS: Record<string, number> = { "w-a": 1, "w-b": 1, "w-c": 2 };
const WORKER_ENV = { LLAMA_CONTEXT_SIZE: "2048", LLAMA_KEEP_ALIVE: "-1" };

describe("a pool that knows its capacity", () => {
  const prefix = `p${Math.random().toString(36).slice(2, 8)}`;
  let root: string;
  let alphaOnly: string;
  let both: string;
  let gw1: TestGateway;
  let gw2: TestGateway;
  /** Small queue, short wait: for the 429 and 503 cases. */
  let gwq: TestGateway;
  const workers: WorkerProcess[] = [];
  const metricsPorts = new Map<string, number>();

  const spawn = async (workerId: string, dir: string, slots: number) => {
    const port = await freePort();
    metricsPorts.set(workerId, port);
    const w = await spawnGpuNode({ natsUrl: inject("natsUrl"), modelsDir: dir, workerId, slots, metricsPort: port, env: { SY_SUBJECT_PREFIX: prefix, ...WORKER_ENV } });
    workers.push(w);
    return w;
  };
  const long = (gw: TestGateway, model: string, i: number) => openStream(gw.url, { model, messages: user(`long story ${i}`), max_tokens: 1900 });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sy-pool-"));
    alphaOnly = join(root, "a");
    both = join(root, "ab");
    await mkdir(alphaOnly);
    await mkdir(both);
    await writeTinyLlamaGguf(join(alphaOnly, "alpha.gguf"), { seed: 31 });
    await writeTinyLlamaGguf(join(both, "alpha.gguf"), { seed: 31 });
    await writeTinyLlamaGguf(join(both, "beta.gguf"), { seed: 32 });
    await Promise.all([spawn("w-a", alphaOnly, 1), spawn("w-b", alphaOnly, 1), spawn("w-c", both, 2)]);
    const nats = inject("natsUrl");
    [gw1, gw2, gwq] = await Promise.all([
      startGateway(nats, prefix),
      startGateway(nats, prefix),
      startGateway(nats, prefix, { QUEUE_MAX: "2", QUEUE_TIMEOUT_MS: "1000" }),
    ]);
    await waitFor(() => [gw1, gw2, gwq].every((g) => g.gateway.registry.workers().length === 3), 15_000, 50);
    // Load the models everywhere first, so timings below are not load times.
    await Promise.all([0, 1, 2, 3].map((i) => postRaw(gw1.url, JSON.stringify({ model: "alpha", messages: user(`warm ${i}`), max_tokens: 400 }))));
    await postRaw(gw1.url, JSON.stringify({ model: "beta", messages: user("warm"), max_tokens: 2 }));
  });
  afterAll(async () => {
    for (const w of workers) await stopChild(w.child);
    await Promise.all([gw1, gw2, gwq].map((g) => g?.stop()));
    await rm(root, { recursive: true, force: true });
  });

  it("never runs more generations on a worker than its slots, under 20 concurrent streams from two gateways", async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => postRaw((i % 2 ? gw2 : gw1).url, JSON.stringify({ model: "alpha", messages: user(`many ${i}`), max_tokens: 120 }))),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    let busiest = 0;
    for (const [id, port] of metricsPorts) {
      const m = await scrape(`http://127.0.0.1:${port}/metrics`);
      const peak = total(m, "switchyard_worker_generations_peak", { model: "alpha" });
      expect(peak, `peak generations on ${id}`).toBeLessThanOrEqual(SLOTS[id]!);
      busiest = Math.max(busiest, peak);
    }
    // The load was enough to fill a worker: the check above was not vacuous.
    expect(busiest).toBe(2);
  });

  it("serves a short request on the worker with a free slot while the others run long ones, every time over 20 tries", async () => {
    // Three long streams take three of alpha's four slots; exactly one worker keeps one free.
    const longs: Array<OpenStream & { ended: boolean }> = [];
    const startLong = async (i: number) => {
      const l = Object.assign(await long(gw1, "alpha", i), { ended: false });
      void l.body.then(() => {
        l.ended = true;
      });
      longs.push(l);
    };
    try {
      for (let i = 0; i < 3; i++) await startLong(i);
      for (let i = 0; i < 20; i++) {
        // A long one that ran out (they take a few seconds) is replaced, so three stay busy.
        for (const [j, l] of [...longs.entries()].reverse()) if (l.ended) longs.splice(j, 1);
        while (longs.length < 3) await startLong(100 + i);
        const used = new Map<string, number>();
        for (const l of longs) used.set(l.worker, (used.get(l.worker) ?? 0) + 1);
        const idle = Object.keys(SLOTS).filter((id) => (used.get(id) ?? 0) < SLOTS[id]!);
        expect(idle).toHaveLength(1);
        const started = performance.now();
        const r = await postRaw((i % 2 ? gw2 : gw1).url, JSON.stringify({ model: "alpha", messages: user(`short ${i}`), max_tokens: 4 }));
        expect(r.status).toBe(200);
        // A long one that ended meanwhile freed its slot too: that worker was idle as well.
        const freed = longs.filter((l) => l.ended).map((l) => l.worker);
        expect([...idle, ...freed], `try ${i}`).toContain(r.headers.get("x-switchyard-worker"));
        // It did not wait for a long generation (each takes seconds here).
        expect(performance.now() - started).toBeLessThan(1_000);
      }
    } finally {
      for (const l of longs) l.abort();
    }
  });

  it("starts queued requests in arrival order", async () => {
    // beta lives on w-c alone (2 slots): one long stream keeps one slot, the other is cycled by the queue.
    const keep = [await long(gw1, "beta", 1), await long(gw1, "beta", 2)];
    const order: number[] = [];
    const queued: Array<Promise<OpenStream>> = [];
    try {
      for (let i = 0; i < 5; i++) {
        queued.push(
          openStream(gw1.url, { model: "beta", messages: user(`queued ${i}`), max_tokens: 3 }).then((s) => {
            order.push(i);
            return s;
          }),
        );
        await waitFor(() => gw1.gateway.deps.pool.queueLength("beta") === i + 1, 2_000, 5);
      }
      keep[0]!.abort();
      const streams = await Promise.all(queued);
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
      expect(order).toEqual([0, 1, 2, 3, 4]);
    } finally {
      for (const k of keep) k.abort();
    }
  });

  it("answers 429 when the queue is full and 503 after the longest wait, each with an integer retry-after", async () => {
    const keep = [await long(gw1, "beta", 3), await long(gw1, "beta", 4)];
    try {
      await waitFor(() => gwq.gateway.registry.workers().some((w) => w.models.find((m) => m.id === "beta")?.slotsBusy === 2), 2_000, 5);
      const waiting = [0, 1].map((i) => postRaw(gwq.url, JSON.stringify({ model: "beta", messages: user(`wait ${i}`), max_tokens: 2 })));
      await waitFor(() => gwq.gateway.deps.pool.queueLength("beta") === 2, 2_000, 5);
      const full = await postRaw(gwq.url, JSON.stringify({ model: "beta", messages: user("one too many"), max_tokens: 2 }));
      expect(full.status).toBe(429);
      expect(full.json?.error).toMatchObject({ type: "rate_limit_error", code: "queue_full" });
      expect(full.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
      const started = Date.now();
      for (const r of await Promise.all(waiting)) {
        expect(r.status).toBe(503);
        expect(r.json?.error?.code).toBe("queue_timeout");
        expect(r.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
      }
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      for (const k of keep) k.abort();
    }
  });

  it("drops a queued request from the queue as soon as its client goes away", async () => {
    const keep = [await long(gw1, "beta", 5), await long(gw1, "beta", 6)];
    try {
      await waitFor(() => gw2.gateway.registry.workers().some((w) => w.models.find((m) => m.id === "beta")?.slotsBusy === 2), 2_000, 5);
      const controller = new AbortController();
      const pending = fetch(`${gw2.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "beta", messages: user("I will leave"), max_tokens: 2 }),
        signal: controller.signal,
      }).catch((e: unknown) => e);
      await waitFor(() => gw2.gateway.deps.pool.queueLength("beta") === 1, 2_000, 5);
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      const left = await waitFor(() => gw2.gateway.deps.pool.queueLength("beta") === 0, 500, 2);
      expect(left).toBeLessThan(100);
    } finally {
      for (const k of keep) k.abort();
    }
  });

  it("gives queued work to a worker that joins mid-load", async () => {
    // A worker the gateways do not know yet: started, then paused until the registry forgets it.
    const joiner = await spawn("w-new", both, 2);
    await waitFor(() => gw1.gateway.registry.worker("w-new") !== undefined, 5_000, 20);
    joiner.child.kill("SIGSTOP");
    await waitFor(() => gw1.gateway.registry.worker("w-new") === undefined, 5_000, 20);
    const keep = [await long(gw1, "beta", 7), await long(gw1, "beta", 8)];
    try {
      const queued = [0, 1, 2].map((i) => postRaw(gw1.url, JSON.stringify({ model: "beta", messages: user(`join ${i}`), max_tokens: 3 })));
      await waitFor(() => gw1.gateway.deps.pool.queueLength("beta") === 3, 2_000, 5);
      // It joins: its first status reaches the gateways and the queue moves to it.
      joiner.child.kill("SIGCONT");
      const served = (await Promise.all(queued)).map((r) => [r.status, r.headers.get("x-switchyard-worker")]);
      expect(served).toEqual([
        [200, "w-new"],
        [200, "w-new"],
        [200, "w-new"],
      ]);
    } finally {
      for (const k of keep) k.abort();
    }
  });

  it("exposes Prometheus metrics whose counters move with the requests", async () => {
    const before = await scrape(`${gw2.url}/metrics`);
    const ok = () => total(before, "switchyard_requests_total", { model: "alpha", status: "200" });
    for (let i = 0; i < 3; i++) expect((await postRaw(gw2.url, JSON.stringify({ model: "alpha", messages: user(`m ${i}`), max_tokens: 5 }))).status).toBe(200);
    const after = await scrape(`${gw2.url}/metrics`);
    expect(total(after, "switchyard_requests_total", { model: "alpha", status: "200" })).toBe(ok() + 3);
    expect(total(after, "switchyard_tokens_total", { model: "alpha", kind: "completion" })).toBe(total(before, "switchyard_tokens_total", { model: "alpha", kind: "completion" }) + 15);
    expect(total(after, "switchyard_time_to_first_token_seconds_count", { model: "alpha" })).toBe(total(before, "switchyard_time_to_first_token_seconds_count", { model: "alpha" }) + 3);
    expect(total(after, "switchyard_pool_slots_total", { model: "alpha" })).toBeGreaterThanOrEqual(4);
    expect(total(after, "switchyard_nats_connected")).toBe(1);
    for (const name of ["switchyard_queue_length", "switchyard_queue_wait_seconds_count", "switchyard_pool_slots_busy", "switchyard_request_duration_seconds_bucket", "switchyard_pool_models"])
      expect(after.some((s) => s.name === name), name).toBe(true);
    const worker = await scrape(`http://127.0.0.1:${metricsPorts.get("w-c")}/metrics`);
    expect(total(worker, "switchyard_worker_model_events_total", { model: "beta", event: "load" })).toBe(1);
    expect(total(worker, "switchyard_worker_requests_total", { model: "beta", outcome: "complete" })).toBeGreaterThan(0);
  });
});
