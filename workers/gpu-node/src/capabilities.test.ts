import { describe, expect, it } from "vitest";
import { modelCapabilities } from "./capabilities.ts";

const llama = { architecture: "llama", causal: true, embeddingLength: 4096 };

describe("modelCapabilities", () => {
  it("gives a chat model without a pooling type chat and completions only", () => {
    expect(modelCapabilities(llama)).toEqual({ capabilities: ["chat", "completions", "tools", "json_schema"], embeddingDimensions: 0 });
    expect(modelCapabilities({ ...llama, poolingType: 0 }).capabilities).not.toContain("embeddings");
  });

  it("lets a model that declares mean, cls or last pooling embed, at its hidden size", () => {
    for (const poolingType of [1, 2, 3]) expect(modelCapabilities({ ...llama, poolingType })).toEqual({ capabilities: ["chat", "completions", "tools", "json_schema", "embeddings"], embeddingDimensions: 4096 });
  });

  it("does not take a reranker (pooling rank) for an embedder", () => {
    expect(modelCapabilities({ ...llama, poolingType: 4 }).capabilities).toEqual(["chat", "completions", "tools", "json_schema"]);
  });

  it("lets an encoder-only or non-causal model embed but not chat", () => {
    expect(modelCapabilities({ architecture: "nomic-bert", causal: true, embeddingLength: 768, poolingType: 1 })).toEqual({ capabilities: ["embeddings"], embeddingDimensions: 768 });
    expect(modelCapabilities({ ...llama, causal: false, poolingType: 3 }).capabilities).toEqual(["embeddings"]);
  });
});
