/**
 * The catalog on real node-llama-cpp and generated models: corrupt files skipped at scan
 * with a reason, a model larger than the budget refused (507), a model under a generation
 * never evicted (503 instead), slots refused once reserved (busy).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTinyLlamaGguf, tinyLlamaGgufInput } from "./demo-model/tiny-llama.ts";
import { writeGguf } from "./gguf/gguf-writer.ts";
import { ModelCatalog, type ModelCatalogOptions, ModelError } from "./model-catalog.ts";

const MIB = 1024 * 1024;

describe("ModelCatalog", () => {
  let dir = "";
  const open: ModelCatalog[] = [];
  const catalog = async (extra: Partial<ModelCatalogOptions> = {}, lines: string[] = []) => {
    const c = await ModelCatalog.open({
      modelsDir: dir,
      threads: 1,
      slots: 1,
      contextSize: 256,
      gpu: false,
      keepAliveMs: -1,
      memoryBudgetBytes: undefined,
      log: (m) => lines.push(m),
      onChange: () => {},
      ...extra,
    });
    open.push(c);
    return c;
  };
  const refusal = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ModelError);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-catalog-"));
    await writeFile(join(dir, "one.gguf"), buildTinyLlamaGguf({ seed: 1 }));
    await writeFile(join(dir, "two.gguf"), buildTinyLlamaGguf({ seed: 2 }));
    await writeFile(join(dir, "garbage.gguf"), new TextEncoder().encode("this is not a model at all"));
    // The file that would make llama.cpp abort the whole process (GGML_ASSERT).
    const input = tinyLlamaGgufInput({ seed: 3 });
    await writeFile(join(dir, "no-ffn.gguf"), writeGguf({ ...input, metadata: input.metadata.filter(([k]) => k !== "llama.feed_forward_length") }));
    await writeFile(join(dir, "notes.txt"), "ignored");
  });
  afterAll(async () => {
    for (const c of open) await c.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("announces the valid models and skips the corrupt ones with a reason", async () => {
    const lines: string[] = [];
    const c = await catalog({}, lines);
    expect(c.models().map((m) => [m.id, m.state])).toEqual([
      ["one", "available"],
      ["two", "available"],
    ]);
    const skipped = lines.filter((l) => l.startsWith("skipping"));
    expect(skipped).toHaveLength(2);
    expect(skipped.find((l) => l.includes("no-ffn.gguf"))).toMatch(/feed_forward_length/);
  });

  it("refuses a model larger than the whole budget with 507, loading nothing", async () => {
    const c = await catalog({ memoryBudgetBytes: 1 * MIB });
    const m = c.reserve("one");
    const e = await refusal(c.ensureLoaded(m));
    expect(e).toBeInstanceOf(ModelError);
    expect(e?.status).toBe(507);
    expect(e?.message).toMatch(/needs about \d+ MiB; this worker's memory budget is 1 MiB/);
    c.release(m, undefined);
    expect(c.usedMemoryBytes()).toBe(0);
  });

  it("never evicts a model that is generating: the other one is refused with 503 until it is idle", async () => {
    const probe = await catalog();
    const one = probe.get("one")!.memoryBytes;
    const c = await catalog({ memoryBudgetBytes: Math.ceil(one * 1.5) });
    const first = c.reserve("one");
    await c.ensureLoaded(first);
    const second = c.reserve("two");
    const e = await refusal(c.ensureLoaded(second));
    expect(e?.status).toBe(503);
    expect(e?.code).toBe("insufficient_memory");
    expect(c.get("one")?.state).toBe("loaded");
    c.release(second, undefined);
    c.release(first, undefined);
    // Idle now: it is evicted to make room.
    const again = c.reserve("two");
    await c.ensureLoaded(again);
    expect([c.get("one")?.state, c.get("two")?.state]).toEqual(["available", "loaded"]);
    c.release(again, undefined);
  });

  it("refuses a slot once every one is reserved, and gives it back on release", async () => {
    const c = await catalog();
    const m = c.reserve("one");
    expect(() => c.reserve("one")).toThrow(expect.objectContaining({ status: 429, code: "worker_busy" }));
    expect(() => c.reserve("nope")).toThrow(expect.objectContaining({ status: 404, code: "model_not_found" }));
    c.release(m, undefined);
    c.release(c.reserve("one"), undefined);
  });
});
