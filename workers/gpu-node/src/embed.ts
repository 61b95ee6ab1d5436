/**
 * @module The embeddings of one request on a loaded model. Every input is checked against the
 * model first (empty, token ids outside the vocabulary, longer than the context), so a bad one
 * fails the request before any work; then all are evaluated back to back on the model's
 * embedding context, each vector truncated to the requested dimensions and L2-normalized, as
 * OpenAI's vectors are.
 *
 * Why one input after another: node-llama-cpp 3.22 reads pooled embeddings through
 * `getEmbedding`, which returns sequence 0's vector only (llama_get_embeddings_seq(ctx, 0)),
 * so several inputs cannot share one decode as several sequences; checked here, a second
 * sequence got the first one's vector. What batching buys is done once per request instead:
 * one bus request, one slot reservation, one model check, vectors sent in as few messages as
 * fit under the bus's payload limit.
 */
import type { LlamaEmbeddingContext, Token } from "node-llama-cpp";
import { ModelError } from "./model-catalog.ts";

export interface EmbedInputs {
  texts: readonly string[];
  tokenInputs: ReadonlyArray<{ tokens: readonly number[] }>;
}

export interface PreparedInputs {
  tokens: Token[][];
  /** Tokens that will be evaluated, with the BOS/EOS tokens the model adds. */
  promptTokens: number;
}

const inputError = (i: number, code: string, message: string) => new ModelError(400, code, message, `input[${i}]`);

/** Tokenizes the texts (or takes the token arrays) and checks each against the model; throws a 400 naming the input. */
export function prepareInputs(embedding: LlamaEmbeddingContext, inputs: EmbedInputs, limits: { contextWindow: number; vocabSize: number }): PreparedInputs {
  const fromText = inputs.texts.length > 0;
  const count = fromText ? inputs.texts.length : inputs.tokenInputs.length;
  if (count === 0) throw new ModelError(400, "invalid_input", "input must not be empty.", "input");
  const tokens: Token[][] = [];
  let promptTokens = 0;
  for (let i = 0; i < count; i++) {
    const raw = fromText ? embedding.model.tokenize(inputs.texts[i]!, false) : [...inputs.tokenInputs[i]!.tokens];
    if (raw.length === 0) throw inputError(i, "invalid_input", `input[${i}] is empty.`);
    if (!fromText) {
      const bad = raw.find((t) => t >= limits.vocabSize);
      if (bad !== undefined) throw inputError(i, "invalid_input", `input[${i}] has token ${bad}, outside this model's vocabulary of ${limits.vocabSize} tokens.`);
    }
    const length = embedding.calculateInputLength(raw as Token[]);
    if (length >= limits.contextWindow)
      throw inputError(i, "context_length_exceeded", `input[${i}] is ${length} tokens long; this model takes at most ${limits.contextWindow - 1} tokens per input.`);
    tokens.push(raw as Token[]);
    promptTokens += length;
  }
  return { tokens, promptTokens };
}

/** Evaluates the inputs in order and hands each vector on as it is ready; stops between inputs once `signal` aborts. */
export async function embedAll(
  embedding: LlamaEmbeddingContext,
  inputs: readonly Token[][],
  dimensions: number,
  signal: AbortSignal,
  onVector: (index: number, vector: Float32Array) => void,
): Promise<void> {
  for (let i = 0; i < inputs.length && !signal.aborted; i++) {
    const { vector } = await embedding.getEmbeddingFor(inputs[i]!);
    onVector(i, normalized(vector, dimensions));
  }
}

/** The first `dimensions` values (all when 0), scaled to unit length; a zero vector stays zero. */
export function normalized(vector: readonly number[], dimensions: number): Float32Array {
  const n = dimensions > 0 ? Math.min(dimensions, vector.length) : vector.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += vector[i]! * vector[i]!;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = vector[i]! * scale;
  return out;
}
