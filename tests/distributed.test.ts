/**
 * Distributed mode: a gateway and separate gpu-node processes on a real nats-server.
 * Pools spread work, vanish (503), die mid-stream (error event, no hang), and NATS can be
 * down when the gateway starts.
 */
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "./helpers/free-port.ts";
import { type NatsServer, startNatsServer, stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { startGateway, type TestGateway } from "./helpers/gateway.ts";
import { postRaw, waitFor } from "./helpers/stack.ts";

const MODEL = "tiny";
const user = (content: string) => [{ role: "user" as const, content }];

const prefix = () => `d${Math.random().toString(36).slice(2, 8)}`;

describe("a pool of gpu-node processes", () => {
  let gw: TestGateway;
  let workers: WorkerProcess[] = [];
  let subjectPrefix: string;

  beforeAll(async () => {
    subjectPrefix = prefix();
    const common = { natsUrl: inject("natsUrl"), modelsDir: inject("modelsDir"), env: { SY_SUBJECT_PREFIX: subjectPrefix } };
    workers = await Promise.all([spawnGpuNode({ ...common, workerId: "w-one" }), spawnGpuNode({ ...common, workerId: "w-two" })]);
    // Resume off: these cases check the error path (resuming is tests/stream-resume.test.ts).
    gw = await startGateway(inject("natsUrl"), subjectPrefix, { SY_RESUME_ATTEMPTS: "0" });
    await waitFor(() => gw.gateway.registry.workers().length === 2, 10_000, 50);
  });
  afterAll(async () => {
    for (const w of workers) await stopChild(w.child);
    await gw?.stop();
  });

  it("lists the model once, served by both workers", async () => {
    const models = await gw.client.models.list();
    expect(models.data.filter((m) => m.id === MODEL)).toHaveLength(1);
    expect(gw.gateway.registry.model(MODEL)?.workers).toBe(2);
  });

  it("spreads concurrent requests over both workers", async () => {
    // Least-loaded: with every slot of one worker taken, the next request goes to the other.
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => postRaw(gw.url, JSON.stringify({ model: MODEL, messages: user(`req ${i}`), max_tokens: 200 }))),
    );
    for (const r of replies) expect(r.status).toBe(200);
    expect([...new Set(replies.map((r) => r.headers.get("x-switchyard-worker") ?? ""))].sort()).toEqual(["w-one", "w-two"]);
  });

  it("ends the client's stream with an error event when its worker dies mid-stream", async () => {
    const started = Date.now();
    const { data: stream, response } = await gw.client.chat.completions
      .create({ model: MODEL, messages: user("a very long story"), max_tokens: 2000, stream: true })
      .withResponse();
    let chunks = 0;
    let killed: string | undefined;
    const consume = async () => {
      for await (const chunk of stream) {
        chunks += 1;
        if (chunks === 3) {
          const id = response.headers.get("x-switchyard-worker");
          const victim = workers.find((w) => w.workerId === id);
          killed = victim?.workerId;
          victim?.child.kill("SIGKILL");
        }
        expect(chunk.object).toBe("chat.completion.chunk");
      }
    };
    const err = await consume().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(killed).toBeDefined();
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/stopped responding/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("answers 503 in OpenAI's shape once every worker is gone", async () => {
    for (const w of workers) await stopChild(w.child);
    await waitFor(() => gw.gateway.registry.workers().length === 0, 5_000, 50);
    const r = await postRaw(gw.url, JSON.stringify({ model: MODEL, messages: user("anyone?") }));
    expect(r.status).toBe(503);
    expect(r.json?.error?.code).toBe("no_worker_available");
    expect(r.json?.error?.type).toBe("server_error");
    expect((await fetch(`${gw.url}/ready`)).status).toBe(503);
  });
});

describe("NATS unreachable when the gateway starts", () => {
  let nats: NatsServer | undefined;
  let gw: TestGateway | undefined;
  let worker: WorkerProcess | undefined;

  afterEach(async () => {
    if (worker) await stopChild(worker.child);
    await gw?.stop();
    await nats?.stop();
  });

  it("starts, reports not ready and 503s, then serves once NATS is back", async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const subjectPrefix = prefix();
    gw = await startGateway(url, subjectPrefix);
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, bus: { kind: "nats", connected: false } });
    const r = await postRaw(gw.url, JSON.stringify({ model: MODEL, messages: user("hello?") }));
    expect(r.status).toBe(503);
    expect(r.json?.error?.code).toBe("bus_unavailable");

    nats = await startNatsServer({ port });
    worker = await spawnGpuNode({ natsUrl: url, modelsDir: inject("modelsDir"), workerId: "w-late", env: { SY_SUBJECT_PREFIX: subjectPrefix } });
    await waitFor(() => gw?.gateway.registry.workers().length === 1, 15_000, 50);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
    const ok = await gw.client.chat.completions.create({ model: MODEL, messages: user("hello"), max_tokens: 5 });
    expect(ok.usage?.completion_tokens).toBe(5);
  });
});
