/**
 * Streams that outlive their worker (#9): a gpu-node SIGKILLed mid-generation, and the
 * client's stream goes on on another worker from the text it already has, with usage summed;
 * off per route (an error event, as before), and an error event once every worker is gone.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { startGateway, type TestGateway } from "./helpers/gateway.ts";
import { stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { scrape, total } from "./helpers/prom-text.ts";
import { waitFor } from "./helpers/stack.ts";

const MODEL = "tiny";
const MAX_TOKENS = 600;
const STORY: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Tell the whole story of the night train." }];

describe("a stream whose worker dies mid-generation", () => {
  const subjectPrefix = `r${Math.random().toString(36).slice(2, 8)}`;
  let gw: TestGateway;
  let noResume: TestGateway;
  let workers: WorkerProcess[] = [];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-resume-"));
    const routes = join(dir, "routes.json");
    await writeFile(routes, JSON.stringify({ models: [{ name: MODEL, provider: "local", resume: false }] }));
    gw = await startGateway(inject("natsUrl"), subjectPrefix);
    noResume = await startGateway(inject("natsUrl"), subjectPrefix, { SWITCHYARD_CONFIG: routes });
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => stopChild(w.child)));
    workers = [];
  });
  afterAll(async () => {
    await Promise.all([gw?.stop(), noResume?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function pool(ids: string[]) {
    const common = { natsUrl: inject("natsUrl"), modelsDir: inject("modelsDir"), env: { SY_SUBJECT_PREFIX: subjectPrefix, LLAMA_CONTEXT_SIZE: "2048" } };
    workers = await Promise.all(ids.map((workerId) => spawnGpuNode({ ...common, workerId })));
    for (const g of [gw, noResume]) await waitFor(() => ids.every((id) => g.gateway.registry.worker(id) !== undefined), 10_000, 20);
  }

  /** Streams a long reply; after `killAfter` chunks, SIGKILLs the worker serving it. */
  async function streamAndKill(g: TestGateway, killAfter: number, kill: (serving: string) => void) {
    const { data: stream, response } = await g.client.chat.completions
      .create({ model: MODEL, messages: STORY, max_tokens: MAX_TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const serving = response.headers.get("x-switchyard-worker") ?? "";
    let text = "";
    let beforeKill = "";
    let chunks = 0;
    let usage: OpenAI.Completions.CompletionUsage | undefined;
    let killedAt = 0;
    let error: unknown;
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        usage = chunk.usage ?? usage;
        if (++chunks === killAfter) {
          beforeKill = text;
          killedAt = Date.now();
          kill(serving);
        }
      }
    } catch (err) {
      error = err;
    }
    return { serving, text, beforeKill, usage, error, endedMs: Date.now() - killedAt };
  }

  const resumes = async (outcome: string) => total(await scrape(`${gw.url}/metrics`), "switchyard_stream_resumes_total", { model: MODEL, outcome });

  it("goes on on another worker: no error, no lost or repeated text, usage summed, the resume counted", async () => {
    await pool(["w-one", "w-two"]);
    const before = await resumes("resumed");
    const r = await streamAndKill(gw, 5, (serving) => workers.find((w) => w.workerId === serving)?.child.kill("SIGKILL"));
    expect(r.error).toBeUndefined();
    expect(r.beforeKill.length).toBeGreaterThan(0);
    expect(r.text.startsWith(r.beforeKill)).toBe(true);
    expect(r.text.length).toBeGreaterThan(r.beforeKill.length);
    // Every token the client got is counted once: the two workers' tokens add up to max_tokens.
    expect(r.usage?.completion_tokens).toBe(MAX_TOKENS);
    expect(r.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(await resumes("resumed")).toBe(before + 1);
    // The other worker finished it.
    const other = r.serving === "w-one" ? "w-two" : "w-one";
    expect(gw.gateway.registry.worker(r.serving)).toBeUndefined();
    expect(gw.gateway.registry.worker(other)).toBeDefined();
    // Greedy sampling: the seamed text is exactly the reply one worker gives uninterrupted, so
    // nothing was repeated or lost where the second worker took over.
    const whole = await gw.client.chat.completions.create({ model: MODEL, messages: STORY, max_tokens: MAX_TOKENS, temperature: 0 });
    expect(r.text).toBe(whole.choices[0]?.message.content);
  });

  it("goes on on another worker when its worker drains on SIGTERM past its grace", async () => {
    const common = { natsUrl: inject("natsUrl"), modelsDir: inject("modelsDir"), env: { SY_SUBJECT_PREFIX: subjectPrefix, LLAMA_CONTEXT_SIZE: "2048", DRAIN_GRACE: "100ms" } };
    workers = await Promise.all(["w-seven", "w-eight"].map((workerId) => spawnGpuNode({ ...common, workerId })));
    await waitFor(() => ["w-seven", "w-eight"].every((id) => gw.gateway.registry.worker(id) !== undefined), 10_000, 20);
    const r = await streamAndKill(gw, 5, (serving) => workers.find((w) => w.workerId === serving)?.child.kill("SIGTERM"));
    expect(r.error).toBeUndefined();
    expect(r.text.startsWith(r.beforeKill)).toBe(true);
    expect(r.usage?.completion_tokens).toBe(MAX_TOKENS);
  });

  it("ends with an error event within 2 s when the route turns resume off", async () => {
    await pool(["w-three", "w-four"]);
    const r = await streamAndKill(noResume, 5, (serving) => workers.find((w) => w.workerId === serving)?.child.kill("SIGKILL"));
    expect(r.error).toBeDefined();
    expect(String(r.error)).toMatch(/worker/i);
    expect(r.endedMs).toBeLessThan(2_000);
  });

  it("ends with an error event, never a hang, when every worker is gone", async () => {
    await pool(["w-five", "w-six"]);
    const before = await resumes("exhausted");
    const r = await streamAndKill(gw, 5, () => {
      for (const w of workers) w.child.kill("SIGKILL");
    });
    expect(r.error).toBeDefined();
    expect(r.endedMs).toBeLessThan(15_000);
    expect(await resumes("exhausted")).toBe(before + 1);
  });
});
