import { describe, expect, it } from "vitest";
import { CacheMemory, type MemoryEntry } from "./cache-memory.ts";

const entry = (bytes: number, expiresAtMs = Number.MAX_SAFE_INTEGER, namespace = "open"): MemoryEntry => ({
  namespace,
  target: "openai:gpt-4o-mini",
  events: [{ type: "done", finishReason: "stop" }],
  bytes,
  expiresAtMs,
});

describe("CacheMemory", () => {
  it("evicts the least recently used entry past its entry bound", () => {
    const m = new CacheMemory();
    m.setLimits({ maxEntries: 2, maxBytes: 1_000 });
    m.set("a", entry(10));
    m.set("b", entry(10));
    expect(m.get("a", "open", 0)).toBeDefined(); // a is now the most recent
    m.set("c", entry(10));
    expect(m.get("b", "open", 0)).toBeUndefined();
    expect(m.get("a", "open", 0)).toBeDefined();
    expect(m.get("c", "open", 0)).toBeDefined();
    expect(m.size).toBe(2);
  });

  it("keeps its bytes under the bound, and never holds an entry larger than the bound", () => {
    const m = new CacheMemory();
    m.setLimits({ maxEntries: 100, maxBytes: 100 });
    m.set("a", entry(40));
    m.set("b", entry(40));
    m.set("c", entry(40));
    expect(m.bytes).toBe(80);
    expect(m.get("a", "open", 0)).toBeUndefined();
    m.set("huge", entry(101));
    expect(m.get("huge", "open", 0)).toBeUndefined();
    expect(m.size).toBe(2);
    // Replacing an entry counts its bytes once.
    m.set("b", entry(50));
    expect(m.bytes).toBe(90);
  });

  it("never returns an expired entry, nor one of another namespace", () => {
    const m = new CacheMemory();
    m.set("k", entry(10, 1_000, "key:key_a"));
    expect(m.get("k", "key:key_b", 500)).toBeUndefined();
    expect(m.get("k", "key:key_a", 500)).toBeDefined();
    expect(m.get("k", "key:key_a", 1_000)).toBeUndefined();
    expect(m.size).toBe(0);
    m.set("x", entry(10, 1_000));
    m.set("y", entry(10, 3_000));
    m.prune(2_000);
    expect(m.size).toBe(1);
    expect(m.bytes).toBe(10);
  });

  it("shrinks to new limits", () => {
    const m = new CacheMemory();
    for (const k of ["a", "b", "c"]) m.set(k, entry(10));
    m.setLimits({ maxEntries: 1, maxBytes: 100 });
    expect(m.size).toBe(1);
    expect(m.get("c", "open", 0)).toBeDefined();
  });
});
