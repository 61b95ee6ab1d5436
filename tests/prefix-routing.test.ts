/**
 * Prefix-aware routing (#9): three gpu-node processes and two gateways on one nats-server.
 * Every turn of a conversation goes where its prefix is cached, whichever gateway it enters
 * by (the state comes from the workers' statuses, not from a gateway's memory); unrelated
 * conversations spread; a hot prefix spills over to other workers instead of queueing.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prefixHashes } from "@switchyard/shared/llm/prefix-hash";
import { startGateway, type TestGateway } from "./helpers/gateway.ts";
import { stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { waitFor } from "./helpers/stack.ts";

const MODEL = "tiny";
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

describe("prefix-aware routing over a pool", () => {
  const subjectPrefix = `p${Math.random().toString(36).slice(2, 8)}`;
  let workers: WorkerProcess[] = [];
  let gateways: TestGateway[] = [];

  beforeAll(async () => {
    const common = { natsUrl: inject("natsUrl"), modelsDir: inject("modelsDir"), slots: 2, env: { SY_SUBJECT_PREFIX: subjectPrefix, LLAMA_CONTEXT_SIZE: "2048" } };
    workers = await Promise.all(["w-a", "w-b", "w-c"].map((workerId) => spawnGpuNode({ ...common, workerId })));
    gateways = await Promise.all([startGateway(inject("natsUrl"), subjectPrefix), startGateway(inject("natsUrl"), subjectPrefix)]);
    for (const g of gateways) await waitFor(() => g.gateway.registry.workers().length === 3, 10_000, 50);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopChild(w.child)));
    await Promise.all(gateways.map((g) => g.stop()));
  });

  /** One turn through a gateway: the reply, who served it, and the cached prompt tokens. */
  async function turn(gw: TestGateway, messages: Message[], maxTokens = 16) {
    const { data, response } = await gw.client.chat.completions.create({ model: MODEL, messages, max_tokens: maxTokens, temperature: 0.5, seed: 3 }).withResponse();
    return { text: data.choices[0]?.message.content ?? "", worker: response.headers.get("x-switchyard-worker") ?? "", cached: data.usage?.prompt_tokens_details?.cached_tokens ?? -1 };
  }

  /** Waits until every gateway has heard from the workers that a slot holds these messages. */
  async function announced(messages: Message[]) {
    const last = prefixHashes(messages.map((m) => ({ role: m.role, content: String(m.content) }))).at(-1)!;
    for (const g of gateways) {
      await waitFor(() => g.gateway.registry.workers().some((w) => w.models.some((m) => m.slotPrefixes.some((s) => s.hashes.includes(last)))), 3_000, 5);
    }
  }

  it("serves every turn of a conversation where its prefix lives, through either gateway", async () => {
    const history: Message[] = [{ role: "system", content: "You are the dispatcher of a busy switchyard; answer every question about the trains in two short sentences." }];
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      history.push({ role: "user", content: `Turn ${i}: where does the train on track ${i + 3} go next, and why is it late again?` });
      const reply = await turn(gateways[i % 2]!, history);
      served.push(reply.worker);
      if (i > 0) expect(reply.cached, `turn ${i}`).toBeGreaterThan(0);
      history.push({ role: "assistant", content: reply.text });
      await announced(history);
    }
    expect(new Set(served).size).toBe(1);
  });

  it("spreads unrelated conversations over the workers", async () => {
    const topics = ["Fog", "Snow", "Dawn", "Rust", "Coal", "Bells"];
    // Six at once on six slots: nothing is cached for any of them, so least-loaded spreads them.
    const replies = await Promise.all(
      topics.map((topic, i) => turn(gateways[i % 2]!, [{ role: "user", content: `${topic} ${i}${i}${i}: do trains whistle at crossings, ${"and why ".repeat(i + 1)}?` }], 200)),
    );
    for (const r of replies) expect(r.cached).toBe(0);
    expect(new Set(replies.map((r) => r.worker)).size).toBe(3);
  });

  it("lets a hot conversation fill its worker up to the bound, then spill over to the others", async () => {
    const hot: Message[] = [
      { role: "system", content: "Everyone asks the same long question about the timetable of the night trains, again and again, all at once." },
      { role: "user", content: "Read me the whole timetable of tonight's trains, slowly, with every platform and every stop on the way." },
    ];
    const first = await turn(gateways[0]!, hot);
    await announced(hot);
    // Eight at once, where the holder has two slots: the others must take some.
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => turn(gateways[i % 2]!, hot, 64)));
    const counts = new Map<string, number>();
    for (const r of replies) counts.set(r.worker, (counts.get(r.worker) ?? 0) + 1);
    expect(counts.size).toBeGreaterThanOrEqual(2);
    expect(counts.get(first.worker) ?? 0).toBeGreaterThan(0);
    expect(counts.get(first.worker) ?? 0).toBeLessThan(8);
  });
});
