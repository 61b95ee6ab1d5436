import { describe, expect, it } from "vitest";
import { StopMatcher } from "./stop-matcher.ts";

const run = (stops: string[], pieces: string[]) => {
  const m = new StopMatcher(stops);
  let out = "";
  for (const p of pieces) {
    const r = m.push(p);
    out += r.emit;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + m.flush(), stopped: false };
};

describe("StopMatcher", () => {
  it("passes text through when there are no stop strings", () => {
    expect(run([], ["a", "b"])).toEqual({ out: "ab", stopped: false });
  });

  it("stops at a stop string split across pieces and never emits it", () => {
    expect(run(["END"], ["hello E", "N", "D more"])).toEqual({ out: "hello ", stopped: true });
  });

  it("releases held text that turned out not to be a stop string", () => {
    const m = new StopMatcher(["END"]);
    expect(m.push("abc E").emit).toBe("abc ");
    expect(m.push("X").emit).toBe("EX");
  });

  it("stops at the earliest of several stop strings", () => {
    expect(run(["zz", "b"], ["a b zz"])).toEqual({ out: "a ", stopped: true });
  });

  it("flushes a held prefix when generation ends", () => {
    expect(run(["END"], ["tail E"])).toEqual({ out: "tail E", stopped: false });
  });
});
