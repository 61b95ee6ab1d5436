/**
 * @module Embeddings through an OpenAI-compatible API: the normalized request as the SDK's
 * params (vectors always asked for as base64, the compact form), and the reply checked with
 * zod and turned into float32 bytes, whichever form the upstream actually sent.
 */
import type OpenAI from "openai";
import { z } from "zod";
import type { EmbeddingsResult, NormalizedEmbedRequest } from "../../embeddings/normalized.ts";

export function toEmbeddingParams(request: NormalizedEmbedRequest): OpenAI.EmbeddingCreateParams {
  return {
    model: request.model,
    input: request.input.kind === "text" ? request.input.texts : request.input.tokens,
    encoding_format: "base64",
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    ...(request.user !== undefined ? { user: request.user } : {}),
  };
}

/** What we read of OpenAI's reply; an upstream may answer floats even when asked for base64. */
const EmbeddingsReplySchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.union([z.string(), z.array(z.number())]) })),
  usage: z.object({ prompt_tokens: z.number().int().min(0) }).optional(),
});

/** Throws (a message for a 502) when the reply is not one vector per input of one length. */
export function fromEmbeddingsReply(reply: unknown, inputs: number): EmbeddingsResult {
  const parsed = EmbeddingsReplySchema.safeParse(reply);
  if (!parsed.success) throw new Error(`the embeddings reply does not have OpenAI's shape: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const vectors: Uint8Array[] = new Array(inputs);
  for (const item of parsed.data.data) {
    if (item.index >= inputs || vectors[item.index] !== undefined) throw new Error(`the embeddings reply has an unexpected index ${item.index}`);
    vectors[item.index] = typeof item.embedding === "string" ? base64Bytes(item.embedding) : floatBytes(item.embedding);
  }
  if (parsed.data.data.length !== inputs) throw new Error(`the embeddings reply has ${parsed.data.data.length} vectors for ${inputs} inputs`);
  if (vectors.some((v) => v.byteLength !== vectors[0]!.byteLength || v.byteLength % 4 !== 0)) throw new Error("the embeddings reply has vectors of different lengths");
  return { vectors, promptTokens: parsed.data.usage?.prompt_tokens ?? 0 };
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function floatBytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}
