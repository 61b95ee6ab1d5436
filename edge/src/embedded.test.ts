import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTinyLlamaGguf, DEMO_MODEL_FILE } from "@switchyard/gpu-node/demo-model/tiny-llama";
import { silentLogger } from "@switchyard/shared/log";
import { afterEach, describe, expect, it } from "vitest";
import { ensureDemoModel } from "./embedded.ts";

let dir = "";
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ensureDemoModel", () => {
  it("writes the demo model into an empty folder", async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-demo-"));
    await ensureDemoModel(dir, silentLogger);
    expect(Buffer.from(buildTinyLlamaGguf({ seed: 42 })).equals(await readFile(join(dir, DEMO_MODEL_FILE)))).toBe(true);
  });

  it("updates a demo model written before it could embed, and leaves any other file alone", async () => {
    dir = await mkdtemp(join(tmpdir(), "sy-demo-"));
    const path = join(dir, DEMO_MODEL_FILE);
    await writeFile(path, buildTinyLlamaGguf({ seed: 42, pooling: "none" }));
    await ensureDemoModel(dir, silentLogger);
    expect(Buffer.from(buildTinyLlamaGguf({ seed: 42 })).equals(await readFile(path))).toBe(true);

    const someoneElses = buildTinyLlamaGguf({ seed: 5, pooling: "none" });
    await writeFile(path, someoneElses);
    await ensureDemoModel(dir, silentLogger);
    expect(Buffer.from(someoneElses).equals(await readFile(path))).toBe(true);
  });
});
