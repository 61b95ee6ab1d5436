/**
 * A pool that fails honestly: a request dispatched to a worker that hangs before accepting
 * is sent once to another; a worker killed mid-stream ends that stream with an error within
 * 2 s while the next request is served; SIGTERM drains (running streams finish, new ones go
 * elsewhere); and a nats-server restart under load is survived by gateway and workers alike.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type TestGateway, startGateway } from "./helpers/gateway.ts";
import { type NatsServer, startNatsServer, stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { postRaw, waitFor } from "./helpers/stack.ts";
import { openStream } from "./helpers/streams.ts";

const user = (content: string) => [{ role: "user" as const, content }];
const WORKER_ENV = { LLAMA_CONTEXT_SIZE: "2048", LLAMA_KEEP_ALIVE: "-1" };
const chat = (gw: TestGateway, content: string, maxTokens = 4) => postRaw(gw.url, JSON.stringify({ model: "alpha", messages: user(content), max_tokens: maxTokens }));
const exited = (w: WorkerProcess) => new Promise<number | null>((resolve) => (w.child.exitCode !== null ? resolve(w.child.exitCode) : w.child.once("exit", (code) => resolve(code))));

let modelsDir: string;
beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), "sy-fail-"));
  await writeTinyLlamaGguf(join(modelsDir, "alpha.gguf"), { seed: 41 });
});
afterAll(async () => {
  await rm(modelsDir, { recursive: true, force: true });
});

describe("workers that hang, die and drain", () => {
  const prefix = `f${Math.random().toString(36).slice(2, 8)}`;
  let gw: TestGateway;
  /** A second gateway on the same pool: it learns of deaths and drains only from the workers. */
  let gw2: TestGateway;
  const workers = new Map<string, WorkerProcess>();

  beforeAll(async () => {
    const spawned = await Promise.all(
      ["w-1", "w-2", "w-3", "w-4"].map((workerId) =>
        spawnGpuNode({ natsUrl: inject("natsUrl"), modelsDir, workerId, slots: 1, env: { SY_SUBJECT_PREFIX: prefix, ...WORKER_ENV } }),
      ),
    );
    for (const w of spawned) workers.set(w.workerId, w);
    // Resume off: these cases check the error path (resuming is tests/stream-resume.test.ts).
    const env = { SY_RESUME_ATTEMPTS: "0" };
    [gw, gw2] = await Promise.all([startGateway(inject("natsUrl"), prefix, env), startGateway(inject("natsUrl"), prefix, env)]);
    await waitFor(() => [gw, gw2].every((g) => g.gateway.registry.workers().length === 4), 15_000, 50);
    await Promise.all([0, 1, 2, 3].map((i) => chat(gw, `warm ${i}`, 100)));
  });
  afterAll(async () => {
    for (const w of workers.values()) {
      w.child.kill("SIGCONT");
      await stopChild(w.child);
    }
    await Promise.all([gw?.stop(), gw2?.stop()]);
  });

  it("sends a request once to another worker when the one it went to hangs before accepting", async () => {
    // The gateway must know every worker idle first: a worker stopped while its last status
    // still counted the warm-up's request busy is never picked, and nothing would be resent.
    await waitFor(() => gw.gateway.registry.workers().every((w) => w.models.every((m) => m.slotsBusy === 0)), 10_000, 20);
    workers.get("w-1")!.child.kill("SIGSTOP");
    try {
      // Four idle one-slot workers and four requests: one of them is dispatched to the hung worker.
      // Long enough (1,000 tokens, most of a second) that all four are busy at once: with short
      // replies a worker could be free again before the fourth request was dispatched and take
      // it instead of the hung one.
      const started = performance.now();
      const replies = await Promise.all([0, 1, 2, 3].map((i) => chat(gw, `resend ${i}`, 1_000).then((r) => ({ r, ms: performance.now() - started }))));
      // A failure names what came back, not only its status.
      expect(replies.map(({ r }) => (r.status === 200 ? 200 : `${r.status} ${r.text.slice(0, 300)}`))).toEqual([200, 200, 200, 200]);
      expect(replies.map(({ r }) => r.headers.get("x-switchyard-worker"))).not.toContain("w-1");
      // The resent one waited out the accept timeout (2 s here) first.
      expect(Math.max(...replies.map(({ ms }) => ms))).toBeGreaterThan(1_900);
    } finally {
      // Killed whatever happened above, so the later cases start from the pool they expect.
      workers.get("w-1")!.child.kill("SIGKILL");
    }
  });

  it("ends the stream of a worker killed mid-stream with an error within 2 s, and serves the next request", async () => {
    const stream = await openStream(gw.url, { model: "alpha", messages: user("a long story"), max_tokens: 1900 });
    expect(stream.status).toBe(200);
    const victim = workers.get(stream.worker)!;
    const killedAt = performance.now();
    victim.child.kill("SIGKILL");
    const body = await stream.body;
    expect(performance.now() - killedAt).toBeLessThan(2_000);
    expect(body).toMatch(/"error":\{.*"code":"worker_lost"/);
    expect(body).not.toContain("[DONE]");
    for (const g of [gw, gw2]) {
      const next = await chat(g, "still there?");
      expect(next.status).toBe(200);
      expect(next.headers.get("x-switchyard-worker")).not.toBe(stream.worker);
    }
  });

  it("drains on SIGTERM: running streams complete, new requests go elsewhere, then the worker exits", async () => {
    const live = [...workers.values()].filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    expect(live).toHaveLength(2);
    const running = await openStream(gw.url, { model: "alpha", messages: user("finish me"), max_tokens: 1500 });
    const draining = workers.get(running.worker)!;
    const gone = exited(draining);
    draining.child.kill("SIGTERM");
    const sawDrain = (g: TestGateway) => g.gateway.registry.worker(draining.workerId)?.draining === true || g.gateway.registry.worker(draining.workerId) === undefined;
    await waitFor(() => sawDrain(gw) && sawDrain(gw2), 2_000, 5);
    for (let i = 0; i < 6; i++) {
      const r = await chat(i % 2 ? gw2 : gw, `during drain ${i}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("x-switchyard-worker")).not.toBe(draining.workerId);
    }
    const body = await running.body;
    expect(body).toContain('"finish_reason":"length"');
    expect(body).toContain("data: [DONE]");
    expect(await gone).toBe(0);
  });
});

describe("a nats-server restart under load", () => {
  let nats: NatsServer;
  let gw: TestGateway;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    const prefix = `r${Math.random().toString(36).slice(2, 8)}`;
    for (const workerId of ["r-1", "r-2"])
      workers.push(await spawnGpuNode({ natsUrl: nats.url, modelsDir, workerId, slots: 2, env: { SY_SUBJECT_PREFIX: prefix, ...WORKER_ENV } }));
    gw = await startGateway(nats.url, prefix, { SY_RESUME_ATTEMPTS: "0" });
    await waitFor(() => gw.gateway.registry.workers().length === 2, 15_000, 50);
  });
  afterAll(async () => {
    for (const w of workers) await stopChild(w.child);
    await gw?.stop();
    await nats?.stop();
  });

  it("ends the cut streams with an error, then serves again within 5 s of NATS being back, with no restarts", async () => {
    const inFlight = await Promise.all([0, 1, 2, 3].map((i) => openStream(gw.url, { model: "alpha", messages: user(`cut ${i}`), max_tokens: 1900 })));
    expect(inFlight.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    await nats.restart({ downMs: 300 });
    const backAt = performance.now();
    // Every stream ends (none hangs); one cut by the restart ends with an error event, not [DONE].
    let cut = 0;
    for (const body of await Promise.all(inFlight.map((s) => s.body))) {
      if (body.includes("[DONE]")) continue;
      cut += 1;
      expect(body).toMatch(/"error":\{/);
    }
    expect(cut).toBeGreaterThan(0);
    let served = false;
    while (!served && performance.now() - backAt < 5_000) {
      served = (await chat(gw, "back?")).status === 200;
      if (!served) await new Promise((r) => setTimeout(r, 100));
    }
    expect(served).toBe(true);
    expect(performance.now() - backAt).toBeLessThan(5_000);
    // Both workers are still the same processes, and both serve again.
    for (const w of workers) expect(w.child.exitCode).toBeNull();
    await waitFor(() => gw.gateway.registry.workers().length === 2, 5_000, 50);
    const after = await Promise.all([0, 1, 2, 3].map((i) => chat(gw, `after ${i}`, 200)));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(after.map((r) => r.headers.get("x-switchyard-worker"))).size).toBe(2);
  });
});
