/**
 * Per-model settings from models.json on a real gpu-node (embedded stack, in-process bus): a
 * renamed model with a capped context and max output shows both in /v1/models, refuses a
 * max_tokens over its cap with a 400 naming max_tokens, stops an unset max_tokens at the cap,
 * and loads with the capped context. The file is read again on the folder rescan, and a broken
 * one leaves every model served with the defaults.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyLlamaGguf } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postRaw, startTestStack, type TestStack } from "./helpers/stack.ts";

interface ModelsView {
  data: Array<{ id: string; context_window?: number; max_output_tokens?: number }>;
}
interface CompletionView {
  choices: Array<{ finish_reason: string; message: { content: string } }>;
  usage: { completion_tokens: number };
}

describe("models.json on a gpu-node", () => {
  let stack: TestStack;
  let dir: string;
  const settings = (entries: unknown) => writeFile(join(dir, "models.json"), JSON.stringify(entries));
  const models = async () => ((await (await fetch(`${stack.url}/v1/models`)).json()) as ModelsView).data;
  const chat = (model: string, extra: Record<string, unknown> = {}) =>
    postRaw(stack.url, JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra }));
  /** /v1/models once the worker's rescan has reached the gateway. */
  const modelsWhen = async (check: (m: ModelsView["data"]) => boolean) => {
    const until = Date.now() + 5_000;
    for (;;) {
      const seen = await models();
      if (check(seen) || Date.now() > until) return seen;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-settings-"));
    await writeTinyLlamaGguf(join(dir, "tiny.gguf"), { seed: 31 });
    await writeTinyLlamaGguf(join(dir, "plain.gguf"), { seed: 32 });
    await settings([{ id: "tiny-capped", path: "tiny.gguf", context_window: 512, max_output_tokens: 24 }]);
    stack = await startTestStack({ modelsDir: dir, env: { MODELS_RESCAN: "200ms", LLAMA_KEEP_ALIVE: "-1" } });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the renamed model with its context window and max output; a model without settings reports its context window", async () => {
    const seen = await models();
    expect(seen.map((m) => m.id).sort()).toEqual(["plain", "tiny-capped"]);
    expect(seen.find((m) => m.id === "tiny-capped")).toMatchObject({ context_window: 512, max_output_tokens: 24 });
    expect(seen.find((m) => m.id === "plain")).toMatchObject({ context_window: 2048, max_output_tokens: 2048 });
  });

  it("refuses a max_tokens over the model's max output with a 400 naming max_tokens", async () => {
    const r = await chat("tiny-capped", { max_tokens: 25 });
    expect(r.status).toBe(400);
    expect(r.json?.error).toMatchObject({ type: "invalid_request_error", param: "max_tokens", code: "invalid_value" });
    expect(r.json?.error?.message).toMatch(/max_tokens is too large: 25.*at most 24/);
    expect((await chat("tiny-capped", { max_tokens: 24 })).status).toBe(200);
  });

  it("stops a request without max_tokens at the model's max output", async () => {
    const r = await chat("tiny-capped");
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as CompletionView;
    expect(body.choices[0]?.finish_reason).toBe("length");
    expect(body.usage.completion_tokens).toBe(24);
  });

  it("loads the model with the capped context: a longer prompt is refused", async () => {
    const r = await chat("tiny-capped", { messages: [{ role: "user", content: "zq".repeat(400) }], max_tokens: 4 });
    expect(r.status).toBe(400);
    expect(r.json?.error?.code).toBe("context_length_exceeded");
    expect(r.json?.error?.message).toMatch(/maximum context length is 512 tokens/);
    // The same prompt fits the model served with the defaults.
    expect((await chat("plain", { messages: [{ role: "user", content: "zq".repeat(400) }], max_tokens: 4 })).status).toBe(200);
  });

  it("reads models.json again on the rescan: a changed cap takes effect", async () => {
    await settings([{ id: "tiny-capped", path: "tiny.gguf", context_window: 512, max_output_tokens: 8 }]);
    const seen = await modelsWhen((m) => m.find((x) => x.id === "tiny-capped")?.max_output_tokens === 8);
    expect(seen.find((m) => m.id === "tiny-capped")).toMatchObject({ max_output_tokens: 8 });
    const body = JSON.parse((await chat("tiny-capped")).text) as CompletionView;
    expect(body.usage.completion_tokens).toBe(8);
  });

  it("keeps serving every model with the defaults when models.json breaks", async () => {
    await writeFile(join(dir, "models.json"), '[{"id": "tiny-capped", "path": "tiny.gguf",');
    const seen = await modelsWhen((m) => m.some((x) => x.id === "tiny"));
    expect(seen.map((m) => m.id).sort()).toEqual(["plain", "tiny"]);
    expect((await chat("tiny", { max_tokens: 30 })).status).toBe(200);
  });
});
