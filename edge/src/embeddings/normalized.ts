/** @module The embeddings request every provider takes, and the result each gives back, whatever front door asked. */

/** Texts, or token arrays (OpenAI takes both; never mixed). */
export type EmbedInput = { kind: "text"; texts: string[] } | { kind: "tokens"; tokens: number[][] };

export interface NormalizedEmbedRequest {
  model: string;
  input: EmbedInput;
  /** The vector length asked for; undefined: the model's own. */
  dimensions: number | undefined;
  /** How the client wants the vectors written; providers always return bytes. */
  encodingFormat: "float" | "base64";
  user: string | undefined;
}

export interface EmbeddingsResult {
  /** One per input, in input order: little-endian float32, the bytes of OpenAI's base64 form. */
  vectors: Uint8Array[];
  promptTokens: number;
  /** The local worker that computed them. */
  workerId?: string;
}

export const inputCount = (input: EmbedInput): number => (input.kind === "text" ? input.texts.length : input.tokens.length);
