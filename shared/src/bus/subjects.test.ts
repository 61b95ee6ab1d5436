import { describe, expect, it } from "vitest";
import { subjects, subjectToken } from "./subjects.ts";

describe("subjects", () => {
  it("encodes model ids into a single NATS token", () => {
    expect(subjectToken("llama-3.1-8b")).toBe("llama-3%2E1-8b");
    expect(subjectToken("a*b>c d%e")).toBe("a%2Ab%3Ec%20d%25e");
    expect(subjects("sy").chat("qwen2.5:7b")).toBe("sy.llm.chat.qwen2%2E5:7b");
    expect(subjects("sy").embed("nomic-embed-text-v1.5")).toBe("sy.llm.embed.nomic-embed-text-v1%2E5");
    expect(subjects("sy").workerEmbed("gpu-1")).toBe("sy.llm.worker.gpu-1.embed");
  });

  it("keeps distinct ids distinct", () => {
    expect(subjectToken("a.b")).not.toBe(subjectToken("a%2Eb"));
  });
});
