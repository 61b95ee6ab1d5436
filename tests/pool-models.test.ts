/**
 * Models on demand, on the embedded stack (gateway and gpu-node on the in-process bus):
 * announced as available, loaded on first request, unloaded after their keep-alive
 * (the worker's or the request's, like Ollama), evicted under a memory budget, loaded and
 * unloaded through the admin API, and a file that turns corrupt refused cleanly — each
 * visible in /admin/workers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postRaw, startTestStack, type TestStack, waitFor } from "./helpers/stack.ts";

const ADMIN = "admin-token-for-tests";
const user = (content: string) => [{ role: "user" as const, content }];

interface ModelView {
  id: string;
  state: string;
  slots: { total: number; busy: number };
}
interface WorkersView {
  data: Array<{ id: string; kind: string; memory: { budget_bytes: number; used_bytes: number }; models: ModelView[] }>;
}

describe("models loaded on demand", () => {
  let stack: TestStack;
  let dir: string;

  const admin = (path: string, init: RequestInit = {}) => fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, ...init.headers } });
  const llmWorkers = async () => ((await (await admin("/admin/workers")).json()) as WorkersView).data.filter((w) => w.kind === "llm");
  const states = async (): Promise<Record<string, string>> => Object.fromEntries((await llmWorkers()).flatMap((w) => w.models.map((m) => [m.id, m.state])));
  /** The states /admin/workers shows once the worker's status update has reached the gateway. */
  const statesAfter = async (want: Record<string, string>): Promise<Record<string, string>> => {
    const until = Date.now() + 3_000;
    for (;;) {
      const seen = await states();
      if (Object.entries(want).every(([id, state]) => seen[id] === state) || Date.now() > until) return seen;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const chat = (model: string, extra: Record<string, unknown> = {}) => postRaw(stack.url, JSON.stringify({ model, messages: user("hi"), max_tokens: 4, ...extra }));
  const settle = (want: Record<string, string>) =>
    waitFor(() => {
      const seen = stack.gpuNode.catalog.models();
      return Object.entries(want).every(([id, state]) => seen.find((m) => m.id === id)?.state === state);
    }, 5_000);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-ondemand-"));
    await writeTinyLlamaGguf(join(dir, "alpha.gguf"), { seed: 21 });
    await writeTinyLlamaGguf(join(dir, "beta.gguf"), { seed: 22 });
    await writeTinyLlamaGguf(join(dir, "gamma.gguf"), { seed: 23 });
    // Each tiny model takes ~24 MiB with its context: the budget holds one at a time.
    stack = await startTestStack({ modelsDir: dir, env: { LLAMA_MEMORY_BUDGET: "40MiB", LLAMA_KEEP_ALIVE: "-1", ADMIN_TOKEN: ADMIN, MODELS_RESCAN: "200ms" } });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("announces every model as available and loads none at start", async () => {
    expect(await statesAfter({})).toEqual({ alpha: "available", beta: "available", gamma: "available" });
    const models = await stack.client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(["alpha", "beta", "gamma"]);
  });

  it("loads a model on its first request", async () => {
    const r = await chat("alpha");
    expect(r.status).toBe(200);
    expect((await statesAfter({ alpha: "loaded" })).alpha).toBe("loaded");
    const [worker] = await llmWorkers();
    expect(worker?.memory.used_bytes).toBeGreaterThan(0);
    expect(worker?.memory.budget_bytes).toBe(40 * 1024 * 1024);
  });

  it("evicts the least recently used idle model when the budget is full", async () => {
    const r = await chat("beta");
    expect(r.status).toBe(200);
    expect(await statesAfter({ alpha: "available", beta: "loaded" })).toMatchObject({ alpha: "available", beta: "loaded" });
  });

  it("unloads after the request's keep_alive, and at once with keep_alive 0", async () => {
    expect((await chat("beta", { keep_alive: "300ms" })).status).toBe(200);
    expect((await statesAfter({ beta: "loaded" })).beta).toBe("loaded");
    const waited = await settle({ beta: "available" });
    expect(waited).toBeGreaterThan(150);
    expect((await chat("alpha", { keep_alive: 0 })).status).toBe(200);
    await settle({ alpha: "available" });
    expect(await statesAfter({ alpha: "available", beta: "available" })).toMatchObject({ alpha: "available", beta: "available" });
  });

  it("keeps a model with keep_alive -1 and rejects keep_alive of the wrong type", async () => {
    expect((await chat("alpha", { keep_alive: -1 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect((await statesAfter({ alpha: "loaded" })).alpha).toBe("loaded");
    for (const bad of [true, { minutes: 5 }, "soon", [1]]) {
      const r = await chat("alpha", { keep_alive: bad });
      expect(r.status).toBe(400);
      expect(r.json?.error?.param).toBe("keep_alive");
    }
  });

  it("loads and unloads through the admin API", async () => {
    const unload = await admin("/admin/models/alpha/unload", { method: "POST" });
    expect(unload.status).toBe(200);
    expect((await statesAfter({ alpha: "available" })).alpha).toBe("available");
    const load = await admin("/admin/models/gamma/load", { method: "POST" });
    expect(load.status).toBe(200);
    expect(await load.json()).toMatchObject({ model: "gamma", state: "loaded" });
    expect((await statesAfter({ gamma: "loaded" })).gamma).toBe("loaded");
    const unknown = await admin("/admin/models/no-such-model/load", { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
    expect((await fetch(`${stack.url}/admin/models/gamma/load`, { method: "POST" })).status).toBe(401);
  });

  it("announces a model dropped into the folder, and drops one whose file is removed", async () => {
    await writeTinyLlamaGguf(join(dir, "delta.gguf"), { seed: 24 });
    expect((await statesAfter({ delta: "available" })).delta).toBe("available");
    expect((await chat("delta")).status).toBe(200);
    await rm(join(dir, "delta.gguf"));
    const until = Date.now() + 3_000;
    while ("delta" in (await states()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await states()).not.toHaveProperty("delta");
    expect((await chat("delta")).status).toBe(503);
  });

  it("refuses a model whose file turned corrupt after it was announced, and keeps serving the others", async () => {
    await admin("/admin/models/gamma/unload", { method: "POST" });
    await writeFile(join(dir, "gamma.gguf"), new TextEncoder().encode("GGUF but not really a model"));
    const r = await chat("gamma");
    expect(r.status).toBe(500);
    expect(r.json?.error?.code).toBe("model_load_failed");
    expect(r.json?.error?.message).toMatch(/gamma.*could not be loaded/);
    expect((await statesAfter({ gamma: "failed" })).gamma).toBe("failed");
    expect((await chat("beta")).status).toBe(200);
    // A failed model leaves the model list; the others stay.
    expect((await stack.client.models.list()).data.map((m) => m.id).sort()).toEqual(["alpha", "beta"]);
  });
});
