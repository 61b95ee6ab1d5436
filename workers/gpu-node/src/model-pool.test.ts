/** A models folder with broken files: each is skipped with a logged reason, the rest served. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTinyLlamaGguf, tinyLlamaGgufInput } from "./demo-model/tiny-llama.ts";
import { writeGguf } from "./gguf/gguf-writer.ts";
import { loadModelPool, type ModelPool } from "./model-pool.ts";

describe("loadModelPool", () => {
  let pool: ModelPool | undefined;
  let dir = "";
  afterAll(async () => {
    await pool?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("skips corrupt GGUF files with a reason and serves the valid ones", async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-pool-"));
    const good = buildTinyLlamaGguf({ seed: 1 });
    await writeFile(join(dir, "good.gguf"), good);
    await writeFile(join(dir, "garbage.gguf"), new TextEncoder().encode("this is not a model at all"));
    await writeFile(join(dir, "truncated.gguf"), good.subarray(0, good.length / 2));
    // The file that would make llama.cpp abort the whole process (GGML_ASSERT).
    const input = tinyLlamaGgufInput({ seed: 2 });
    await writeFile(join(dir, "no-ffn.gguf"), writeGguf({ ...input, metadata: input.metadata.filter(([k]) => k !== "llama.feed_forward_length") }));
    await writeFile(join(dir, "notes.txt"), "ignored");

    const lines: string[] = [];
    pool = await loadModelPool({ modelsDir: dir, threads: 1, slots: 1, contextSize: 256, gpu: false, log: (m) => lines.push(m) });

    expect([...pool.models.keys()]).toEqual(["good"]);
    const skipped = lines.filter((l) => l.startsWith("skipping"));
    expect(skipped).toHaveLength(3);
    expect(skipped.find((l) => l.includes("no-ffn.gguf"))).toMatch(/feed_forward_length/);
    expect(skipped.find((l) => l.includes("garbage.gguf"))).toBeDefined();
    expect(skipped.find((l) => l.includes("truncated.gguf"))).toBeDefined();
  });
});
