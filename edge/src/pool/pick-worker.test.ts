import { describe, expect, it } from "vitest";
import { type Candidate, pickWorker, retryAfterSeconds } from "./pick-worker.ts";

const c = (workerId: string, free: number, state = "loaded", tokensPerSecond = 0, cachedChars = 0, busy = 4 - free): Candidate => ({ workerId, free, busy, state, tokensPerSecond, cachedChars });

describe("pickWorker", () => {
  it("never picks a worker without a free slot", () => {
    expect(pickWorker([c("a", 0), c("b", 0)], "least-loaded", 0)).toBeUndefined();
    expect(pickWorker([c("a", 0), c("b", 0)], "round-robin", 3)).toBeUndefined();
    for (let turn = 0; turn < 5; turn++) expect(pickWorker([c("a", 0), c("b", 1)], "round-robin", turn)?.workerId).toBe("b");
  });

  it("least-loaded prefers more free slots, then a loaded model, then measured speed", () => {
    expect(pickWorker([c("a", 2, "available"), c("b", 1, "loaded")], "least-loaded", 0)?.workerId).toBe("a");
    expect(pickWorker([c("a", 1, "available"), c("b", 1, "loaded")], "least-loaded", 0)?.workerId).toBe("b");
    expect(pickWorker([c("a", 1), c("b", 2)], "least-loaded", 0)?.workerId).toBe("b");
    expect(pickWorker([c("a", 1, "loaded", 100), c("b", 1, "loaded", 300)], "least-loaded", 0)?.workerId).toBe("b");
  });

  it("rotates among equals so idle workers share the work", () => {
    const picks = [0, 1, 2, 3].map((turn) => pickWorker([c("a", 1, "loaded", 100), c("b", 1, "loaded", 105)], "least-loaded", turn)?.workerId);
    expect(picks).toEqual(["a", "b", "a", "b"]);
  });

  it("round-robin ignores load and speed", () => {
    const picks = [0, 1, 2].map((turn) => pickWorker([c("a", 5, "loaded", 900), c("b", 1, "available"), c("c", 1)], "round-robin", turn)?.workerId);
    expect(picks).toEqual(["a", "b", "c"]);
  });
});

describe("retryAfterSeconds", () => {
  it("grows with the backlog and shrinks with the pool's slots", () => {
    expect(retryAfterSeconds(0, 200, 4)).toBe(1);
    expect(retryAfterSeconds(63, 2_000, 4)).toBe(32);
    expect(retryAfterSeconds(63, 2_000, 8)).toBe(16);
    expect(retryAfterSeconds(10, 1_000, 0)).toBe(11);
  });

});

describe("pickWorker with cache affinity", () => {
  it("prefix sends a request where its prefix is cached, within a load bound, else least-loaded", () => {
    // b holds 500 characters of the conversation; a is idler but has none of it.
    expect(pickWorker([c("a", 4), c("b", 3, "loaded", 0, 500)], "prefix", 0)?.workerId).toBe("b");
    // b is busier than a by 3 of its 4 slots: past half its slots, so the load wins.
    expect(pickWorker([c("a", 4), c("b", 1, "loaded", 0, 500)], "prefix", 0)?.workerId).toBe("a");
    // The longer match wins between two holders.
    expect(pickWorker([c("a", 3, "loaded", 0, 100), c("b", 3, "loaded", 0, 900)], "prefix", 0)?.workerId).toBe("b");
    // Too short a match, or a full holder: least-loaded.
    expect(pickWorker([c("a", 4), c("b", 3, "loaded", 0, 20)], "prefix", 0)?.workerId).toBe("a");
    expect(pickWorker([c("a", 2), c("b", 0, "loaded", 0, 900)], "prefix", 0)?.workerId).toBe("a");
    // Nothing cached anywhere: exactly least-loaded.
    expect(pickWorker([c("a", 1), c("b", 2)], "prefix", 0)?.workerId).toBe("b");
  });
});
