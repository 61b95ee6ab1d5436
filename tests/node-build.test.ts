/**
 * The Node build (`npm run build:node`): the bundled gateway runs under plain node, no tsx,
 * finds its PGlite thread and migrations beside itself, and serves a chat from a gpu-node
 * process over the test nats-server, with a key made through the admin API.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildNode } from "../scripts/build-node.ts";
import { stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { waitUntil } from "./helpers/local-target.ts";
import { waitFor } from "./helpers/stack.ts";

const ROOT = resolve(import.meta.dirname, "..");
const ADMIN = "admin-token-for-the-build";

describe("the Node build of the gateway", () => {
  let dir: string;
  let worker: WorkerProcess | undefined;
  let gateway: ChildProcess | undefined;
  let url = "";
  let output = "";

  beforeAll(async () => {
    // Inside the repository: the bundle's npm packages resolve from node_modules above it.
    await mkdir(join(ROOT, "tests/.tmp"), { recursive: true });
    dir = await mkdtemp(join(ROOT, "tests/.tmp/node-build-"));
    const prefix = `b${Math.random().toString(36).slice(2, 8)}`;
    const [, started] = await Promise.all([
      buildNode(join(dir, "dist")),
      spawnGpuNode({ natsUrl: inject("natsUrl"), modelsDir: inject("modelsDir"), workerId: "w-build", env: { SY_SUBJECT_PREFIX: prefix } }),
    ]);
    worker = started;
    gateway = spawn(process.execPath, [join(dir, "dist/edge.mjs")], {
      // Not the repository root: the bundle needs nothing of the source tree but node_modules.
      cwd: dir,
      env: { ...process.env, NATS_URL: inject("natsUrl"), SY_SUBJECT_PREFIX: prefix, PORT: "0", HOST: "127.0.0.1", SWITCHYARD_DATA_DIR: join(dir, "data"), ADMIN_TOKEN: ADMIN, SY_STATUS_TTL_MS: "2000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const s of [gateway.stdout, gateway.stderr])
      s?.on("data", (d: Buffer) => {
        output += d.toString();
      });
    await waitFor(() => /listening on (http:\/\/\S+)/.test(output) || gateway?.exitCode !== null, 30_000, 50);
    url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? "";
    expect(url, output).not.toBe("");
  }, 60_000);

  afterAll(async () => {
    if (gateway) await stopChild(gateway);
    if (worker) await stopChild(worker.child);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs under plain node and serves a chat through its own store and the pool", async () => {
    await waitUntil(async () => (await fetch(`${url}/ready`)).status === 200, 10_000, 100);
    const ready = (await (await fetch(`${url}/ready`)).json()) as { store: { driver: string }; bus: { connected: boolean } };
    expect(ready).toMatchObject({ store: { driver: "pglite" }, bus: { connected: true } });
    // The key lives in PGlite, migrated from the copied migrations, through the copied thread script.
    const made = await fetch(`${url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "build" }) });
    expect(made.status).toBe(201);
    const { key } = (await made.json()) as { key: string };
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hello" }], max_tokens: 8, seed: 1 });
    expect(reply.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(reply.usage?.completion_tokens).toBeGreaterThan(0);
    await expect(new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-wrong", maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
    expect(output).not.toMatch(/tsx/);
  });
});
