import { describe, expect, it } from "vitest";
import { parseBytes, parseKeepAlive } from "./units.ts";

describe("parseKeepAlive", () => {
  it("reads numbers as seconds and strings with units, like Ollama", () => {
    expect(parseKeepAlive(300)).toBe(300_000);
    expect(parseKeepAlive("5m")).toBe(300_000);
    expect(parseKeepAlive("30s")).toBe(30_000);
    expect(parseKeepAlive("250ms")).toBe(250);
    expect(parseKeepAlive("1h")).toBe(3_600_000);
    expect(parseKeepAlive("10")).toBe(10_000);
  });

  it("reads 0 as at once and any negative as forever", () => {
    expect(parseKeepAlive(0)).toBe(0);
    expect(parseKeepAlive("0")).toBe(0);
    expect(parseKeepAlive(-1)).toBe(-1);
    expect(parseKeepAlive("-5m")).toBe(-1);
  });

  it("refuses what is not a duration", () => {
    for (const bad of [true, null, {}, [], "soon", "5 minutes", "", Number.NaN, Number.POSITIVE_INFINITY, "1d"]) expect(parseKeepAlive(bad)).toBeUndefined();
  });
});

describe("parseBytes", () => {
  it("reads plain numbers and decimal or binary units", () => {
    expect(parseBytes("1048576")).toBe(1_048_576);
    expect(parseBytes("2GiB")).toBe(2 * 1024 ** 3);
    expect(parseBytes("512MB")).toBe(512e6);
    expect(parseBytes("1.5 mib")).toBe(1.5 * 1024 ** 2);
    expect(parseBytes("lots")).toBeUndefined();
    expect(parseBytes("-1GB")).toBeUndefined();
  });
});
