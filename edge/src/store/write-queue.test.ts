import { silentLogger } from "@switchyard/shared/log";
import { describe, expect, it } from "vitest";
import { WriteQueue } from "./write-queue.ts";

describe("WriteQueue", () => {
  it("retries failed writes in order until they land, each exactly once", async () => {
    const q = new WriteQueue({ log: silentLogger, minBackoffMs: 5, maxBackoffMs: 20 });
    let down = true;
    const landed: string[] = [];
    const attempts = new Map<string, number>();
    const write = (name: string) => async () => {
      attempts.set(name, (attempts.get(name) ?? 0) + 1);
      if (down) throw new Error("database away");
      landed.push(name);
    };
    for (const name of ["a", "b", "c"]) q.enqueue(name, write(name));
    await new Promise((r) => setTimeout(r, 50));
    expect(q.backlog).toBe(3);
    expect(landed).toEqual([]);
    down = false;
    expect(await q.drain(2_000)).toBe(0);
    expect(landed).toEqual(["a", "b", "c"]);
    expect((attempts.get("a") ?? 0) > 1).toBe(true);
  });

  it("refuses writes past its bound and counts them as lost (each is logged)", async () => {
    const q = new WriteQueue({ log: silentLogger, minBackoffMs: 1_000, maxPending: 2 });
    for (let i = 0; i < 4; i++)
      q.enqueue(`w${i}`, async () => {
        throw new Error("down");
      });
    await new Promise((r) => setTimeout(r, 20));
    expect(q.backlog).toBe(2);
    expect(q.lost).toBe(2);
    q.reportUnwritten();
  });
});
