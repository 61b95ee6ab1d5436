/**
 * models.json: a good file renames models and sets their limits; each kind of bad file or entry
 * is reported naming the entry and the field, and the worker goes on with what it can serve
 * (a GGUF no valid entry claims is served under its file name, with the defaults).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelPlan, planModels } from "./model-settings.ts";

describe("models.json", () => {
  let root = "";
  let n = 0;
  /** A models folder with these (empty) GGUF files and, unless undefined, this models.json text. */
  const folder = async (files: string[], settings: string | undefined): Promise<string> => {
    const dir = join(root, `case-${n++}`);
    await mkdir(join(dir, "sub"), { recursive: true });
    for (const f of files) await writeFile(join(dir, f), "");
    if (settings !== undefined) await writeFile(join(dir, "models.json"), settings);
    return dir;
  };
  const plan = async (files: string[], settings: unknown, raw = false): Promise<ModelPlan & { dir: string }> => {
    const dir = await folder(files, settings === undefined ? undefined : raw ? String(settings) : JSON.stringify(settings));
    return { ...(await planModels(dir)), dir };
  };
  const ids = (p: ModelPlan) => p.specs.map((s) => s.id);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sy-settings-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("without a models.json serves every .gguf under its file name, with the worker's defaults", async () => {
    const p = await plan(["b.gguf", "a.GGUF", "notes.txt"], undefined);
    expect(p.problems).toEqual([]);
    expect(p.specs).toEqual([
      { id: "a", path: join(p.dir, "a.GGUF") },
      { id: "b", path: join(p.dir, "b.gguf") },
    ]);
  });

  it("applies a good file: ids, paths relative to the folder, every setting; other files keep the defaults", async () => {
    const p = await plan(
      ["tiny.gguf", "other.gguf", "sub/deep.gguf"],
      [
        { id: "tiny-capped", path: "tiny.gguf", context_window: 512, max_output_tokens: 64, slots: 3, keep_alive: "10m" },
        { path: "sub/deep.gguf", keep_alive: -1 },
        { id: "tiny-fast", path: "./tiny.gguf", keep_alive: 30 },
      ],
    );
    expect(p.problems).toEqual([]);
    expect(p.specs).toEqual([
      { id: "tiny-capped", path: join(p.dir, "tiny.gguf"), contextWindow: 512, maxOutputTokens: 64, slots: 3, keepAliveMs: 600_000 },
      { id: "deep", path: join(p.dir, "sub/deep.gguf"), keepAliveMs: -1 },
      { id: "tiny-fast", path: join(p.dir, "tiny.gguf"), keepAliveMs: 30_000 },
      // Not in the file: served as before. tiny.gguf is claimed, so it is not also served as "tiny".
      { id: "other", path: join(p.dir, "other.gguf") },
    ]);
  });

  it("reports a file that is not JSON, or not an array, and serves every model with the defaults", async () => {
    const broken = await plan(["a.gguf"], '[{"path": "a.gguf",}', true);
    expect(broken.problems).toEqual([expect.stringMatching(/^models\.json is not valid JSON \(.+\); every model gets the defaults$/)]);
    expect(ids(broken)).toEqual(["a"]);
    const object = await plan(["a.gguf"], { path: "a.gguf", id: "x" });
    expect(object.problems).toEqual(["models.json must be an array of model entries; every model gets the defaults"]);
    expect(ids(object)).toEqual(["a"]);
  });

  it("ignores an entry with a field of the wrong type, naming the entry and the field; its file gets the defaults", async () => {
    const p = await plan(
      ["a.gguf", "b.gguf", "c.gguf", "d.gguf", "e.gguf"],
      [
        { id: "big-a", path: "a.gguf", context_window: "big" },
        { id: "slow-b", path: "b.gguf", slots: 0 },
        { id: "c2", path: "c.gguf", keep_alive: "soon" },
        { path: "d.gguf", max_output_tokens: -5 },
        { id: "e2", path: "e.gguf", max_output_tokens: 8 },
        "not an entry",
        { id: "no-path" },
      ],
    );
    expect(p.problems).toEqual([
      expect.stringMatching(/^models\.json entry 1 \('big-a'\): context_window: .*expected number.*; entry ignored$/),
      expect.stringMatching(/^models\.json entry 2 \('slow-b'\): slots: .*>=1.*; entry ignored$/),
      "models.json entry 3 ('c2'): keep_alive: must be a duration such as 30s, 5m, 0 or -1; entry ignored",
      expect.stringMatching(/^models\.json entry 4: max_output_tokens: .*>0.*; entry ignored$/),
      expect.stringMatching(/^models\.json entry 6: .*expected object.*; entry ignored$/),
      expect.stringMatching(/^models\.json entry 7 \('no-path'\): path: .*; entry ignored$/),
    ]);
    expect(ids(p)).toEqual(["e2", "a", "b", "c", "d"]);
    expect(p.specs[0]).toMatchObject({ id: "e2", maxOutputTokens: 8 });
  });

  it("ignores an entry with an unknown field, naming it", async () => {
    const p = await plan(["a.gguf"], [{ id: "x", path: "a.gguf", context_windw: 512 }]);
    expect(p.problems).toEqual(["models.json entry 1 ('x'): unknown field 'context_windw'; entry ignored"]);
    expect(ids(p)).toEqual(["a"]);
  });

  it("ignores an entry whose path does not exist, and the later of two entries with the same id", async () => {
    const p = await plan(
      ["a.gguf", "b.gguf"],
      [
        { id: "ghost", path: "missing.gguf" },
        { id: "chat", path: "a.gguf", max_output_tokens: 100 },
        { id: "chat", path: "b.gguf", max_output_tokens: 200 },
      ],
    );
    expect(p.problems).toEqual([
      `models.json entry 1 ('ghost'): path: no file at ${join(p.dir, "missing.gguf")}; entry ignored`,
      "models.json entry 3 ('chat'): id: 'chat' is already taken by an earlier entry; entry ignored",
    ]);
    expect(p.specs).toEqual([
      { id: "chat", path: join(p.dir, "a.gguf"), maxOutputTokens: 100 },
      { id: "b", path: join(p.dir, "b.gguf") },
    ]);
  });

  it("leaves out a file whose own name an entry gives to another file", async () => {
    const p = await plan(["a.gguf", "b.gguf"], [{ id: "b", path: "a.gguf" }]);
    expect(p.problems).toEqual(["b.gguf is not served as 'b': models.json gives that id to another file"]);
    expect(p.specs).toEqual([{ id: "b", path: join(p.dir, "a.gguf") }]);
  });
});
