import { describe, expect, it } from "vitest";
import { prefixHashes, prefixWeights } from "./prefix-hash.ts";

describe("prefix hashes", () => {
  const a = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello" },
  ];
  it("names each prefix: a longer conversation starts with the shorter one's hashes", () => {
    const longer = prefixHashes([...a, { role: "assistant", content: "Hi" }, { role: "user", content: "More" }]);
    expect(longer.slice(0, 2)).toEqual(prefixHashes(a));
    expect(new Set(longer).size).toBe(4);
    for (const h of longer) expect(Number.isSafeInteger(h)).toBe(true);
  });
  it("tells apart roles, contents and where one message ends", () => {
    const base = prefixHashes(a)[1];
    expect(prefixHashes([{ role: "system", content: "Be brief." }, { role: "assistant", content: "Hello" }])[1]).not.toBe(base);
    expect(prefixHashes([{ role: "system", content: "Be brief." }, { role: "user", content: "Hello!" }])[1]).not.toBe(base);
    expect(prefixHashes([{ role: "system", content: "Be brief.user\u0000Hello" }])[0]).not.toBe(base);
  });
  it("weighs a prefix by its characters", () => {
    expect(prefixWeights(a)).toEqual([9, 14]);
  });
});
