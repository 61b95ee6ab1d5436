/**
 * @module OpenAI's embeddings response: `{object: "list", data: [{object: "embedding", index,
 * embedding}], model, usage}`, each vector a list of floats or, for base64, the little-endian
 * float32 bytes as they came from the provider.
 */
import { bytesToFloat32 } from "@switchyard/shared/codec/embed-codec";
import { z } from "zod";
import type { EmbeddingsResult } from "../embeddings/normalized.ts";

export const EmbeddingsResponseSchema = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({
      object: z.literal("embedding"),
      index: z.number().int(),
      embedding: z.union([z.array(z.number()), z.string().meta({ description: "base64 of the little-endian float32 values (encoding_format base64)." })]),
    }),
  ),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
});
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponseSchema>;

export function embeddingsResponse(result: EmbeddingsResult, model: string, format: "float" | "base64"): EmbeddingsResponse {
  return {
    object: "list",
    data: result.vectors.map((bytes, index) => ({ object: "embedding", index, embedding: format === "base64" ? base64(bytes) : Array.from(bytesToFloat32(bytes)) })),
    model,
    usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
  };
}

/** Buffer (Node, and Workers with nodejs_compat) encodes several times faster than btoa over a binary string. */
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
