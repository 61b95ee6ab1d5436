/**
 * @module What a model file can serve, read from its GGUF metadata before it is loaded, so the
 * worker can announce it: "chat", "completions", "tools" and "json_schema" (grammar-constrained
 * function calls and structured output) for a causal language model, "embeddings" for a model
 * that declares how its hidden states pool into one vector.
 */
import type { GgufSummary } from "./gguf/validate-gguf.ts";

/** llama.cpp's pooling types that make one vector per input (LLAMA_POOLING_TYPE_MEAN, CLS, LAST). */
const EMBEDDING_POOLING = new Set([1, 2, 3]);

/** Whether a model with this `<arch>.pooling_type` (undefined: none declared) embeds. */
export const poolsToOneVector = (poolingType: number | undefined): boolean => poolingType !== undefined && EMBEDDING_POOLING.has(poolingType);

/** Encoder-only architectures in llama.cpp: they embed, they cannot generate text. */
const ENCODER_ONLY = new Set(["bert", "nomic-bert", "nomic-bert-moe", "neo-bert", "jina-bert-v2", "jina-bert-v3", "modern-bert", "t5encoder"]);

export interface ModelCapabilities {
  /** In the order the status lists them: "chat", "completions", "tools", "json_schema", "embeddings". */
  capabilities: string[];
  /** Length of an embedding vector; 0 for a model that does not embed. */
  embeddingDimensions: number;
}

/**
 * A model embeds when its file names a pooling type (mean, cls or last), as embedding models
 * do. A chat model without one is refused, as llama-server's OpenAI-compatible endpoint
 * refuses pooling "none": its last hidden state is no sentence embedding. Rerankers (pooling
 * "rank") score pairs and are not embedders either.
 */
export function modelCapabilities(summary: Pick<GgufSummary, "architecture" | "poolingType" | "causal" | "embeddingLength">): ModelCapabilities {
  const capabilities: string[] = [];
  if (summary.causal && !ENCODER_ONLY.has(summary.architecture)) capabilities.push("chat", "completions", "tools", "json_schema");
  const embeds = poolsToOneVector(summary.poolingType);
  if (embeds) capabilities.push("embeddings");
  return { capabilities, embeddingDimensions: embeds ? summary.embeddingLength : 0 };
}
