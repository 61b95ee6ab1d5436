import { describe, expect, it } from "vitest";
import { gpuNodeConfig } from "./config.ts";

describe("gpuNodeConfig", () => {
  it("reads keep-alive, memory budget and drain grace from flags, negative values included", () => {
    const c = gpuNodeConfig(["--keep-alive", "-1", "--memory-budget", "2GiB", "--drain-grace", "5s", "--metrics-port", "9464"], {});
    expect(c).toMatchObject({ keepAliveMs: -1, memoryBudgetBytes: 2 * 1024 ** 3, drainGraceMs: 5_000, metricsPort: 9464 });
    expect(gpuNodeConfig(["--keep-alive=0"], {}).keepAliveMs).toBe(0);
    expect(gpuNodeConfig([], { LLAMA_KEEP_ALIVE: "10m" }).keepAliveMs).toBe(600_000);
    expect(gpuNodeConfig([], {}).keepAliveMs).toBe(300_000);
  });

  it("refuses values that are not durations or sizes, naming the flag", () => {
    expect(() => gpuNodeConfig(["--keep-alive", "soon"], {})).toThrow(/--keep-alive/);
    expect(() => gpuNodeConfig(["--memory-budget", "lots"], {})).toThrow(/--memory-budget/);
  });
});
