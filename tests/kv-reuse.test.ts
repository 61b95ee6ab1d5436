/**
 * KV-cache reuse on the worker (#9): a slot keeps its evaluated tokens, the next request takes
 * the slot sharing the longest prefix, and only the rest is evaluated. Output is the same
 * token for token as a worker that evaluates every prompt from scratch (LLAMA_KV_REUSE=false),
 * and usage reports the reused tokens as OpenAI's prompt_tokens_details.cached_tokens.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startTestStack, type TestStack } from "./helpers/stack.ts";

const MODEL = "tiny";
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

describe("KV-cache reuse on the worker", () => {
  let reuse: TestStack;
  let fresh: TestStack;

  beforeAll(async () => {
    [reuse, fresh] = await Promise.all([
      startTestStack({ modelsDir: inject("modelsDir") }),
      startTestStack({ modelsDir: inject("modelsDir"), env: { LLAMA_KV_REUSE: "false" } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([reuse?.stop(), fresh?.stop()]);
  });

  const ask = async (stack: TestStack, messages: Message[], seed = 11) => {
    const res = await stack.client.chat.completions.create({ model: MODEL, messages, max_tokens: 24, temperature: 0.8, seed });
    return {
      text: res.choices[0]?.message.content ?? "",
      prompt: res.usage?.prompt_tokens ?? -1,
      completion: res.usage?.completion_tokens ?? -1,
      cached: res.usage?.prompt_tokens_details?.cached_tokens ?? -1,
    };
  };

  /** Prompt tokens the worker evaluated or reused so far, from its own counter. */
  const workerCounts = async (stack: TestStack) => {
    const values = (await stack.gpuNode.metrics.promptTokens.get()).values;
    const of = (source: string) => values.filter((v) => v.labels.source === source && v.labels.model === MODEL).reduce((a, v) => a + v.value, 0);
    return { evaluated: of("evaluated"), cached: of("cached") };
  };

  it("answers a repeated prompt from the cache, with the same output as without reuse", async () => {
    const messages: Message[] = [{ role: "user", content: "Tell me about the switchyard at the edge of the town, and the trains that pass through it at night." }];
    const first = await ask(reuse, messages);
    const second = await ask(reuse, messages);
    const baseline = await ask(fresh, messages);
    expect(first.cached).toBe(0);
    expect(second.cached).toBe(second.prompt - 1);
    expect(baseline.cached).toBe(0);
    expect(second.text).toBe(first.text);
    expect(baseline.text).toBe(first.text);
    expect([second.completion, baseline.completion]).toEqual([first.completion, first.completion]);
  });

  it("evaluates only the new tokens of each turn of a growing conversation, token for token as without reuse", async () => {
    const history: Message[] = [{ role: "system", content: "You are the switchyard's night clerk; you answer in short sentences." }];
    let previousPrompt = 0;
    for (let turn = 1; turn <= 5; turn++) {
      history.push({ role: "user", content: `Question number ${turn}: which track does the ${turn}th train take tonight?` });
      const before = await workerCounts(reuse);
      const reply = await ask(reuse, history, 100 + turn);
      const after = await workerCounts(reuse);
      const baseline = await ask(fresh, history, 100 + turn);
      expect(reply.text).toBe(baseline.text);
      expect(reply.completion).toBe(baseline.completion);
      expect(reply.prompt).toBe(baseline.prompt);
      expect(baseline.cached).toBe(0);
      // What the worker counted agrees with the usage it reported.
      expect(after.evaluated - before.evaluated).toBe(reply.prompt - reply.cached);
      expect(after.cached - before.cached).toBe(reply.cached);
      if (turn === 1) expect(reply.cached).toBe(0);
      else {
        // The whole previous prompt came from the cache: only the reply and the new question were evaluated.
        expect(reply.cached).toBeGreaterThanOrEqual(previousPrompt);
        expect(reply.prompt - reply.cached).toBeLessThanOrEqual(reply.prompt - previousPrompt);
      }
      previousPrompt = reply.prompt;
      history.push({ role: "assistant", content: reply.text });
    }
  });

  it("reports 0 cached tokens for an unrelated prompt, which takes the least recently used slot, not the conversation's", async () => {
    const history: Message[] = [{ role: "user", content: "Which platform does the last freight train of the night leave from, and when?" }];
    const turn1 = await ask(reuse, history);
    history.push({ role: "assistant", content: turn1.text }, { role: "user", content: "And the one after that, on the next morning?" });
    const turn2 = await ask(reuse, history);
    expect(turn2.cached).toBeGreaterThanOrEqual(turn1.prompt);
    const unrelated = await ask(reuse, [{ role: "user", content: "Completely different: list three colours of the sea at dawn, please." }]);
    expect(unrelated.cached).toBe(0);
    history.push({ role: "assistant", content: turn2.text }, { role: "user", content: "Thank you, clerk." });
    const turn3 = await ask(reuse, history);
    expect(turn3.cached).toBeGreaterThanOrEqual(turn2.prompt);
  });

  it("reports cached tokens in a stream's usage chunk too", async () => {
    const messages: Message[] = [{ role: "user", content: "Completely different: list three colours of the sea at dawn, please." }];
    const stream = await reuse.client.chat.completions.create({ model: MODEL, messages, max_tokens: 8, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.Completions.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe((usage?.prompt_tokens ?? 0) - 1);
  });
});
