/**
 * @module OpenAI's /v1/embeddings request, validated with zod and normalized for providers.
 * `input` is checked item by item, so an error names the input at fault (`input[3]`).
 */
import { invalidRequest } from "@switchyard/shared/errors";
import { z } from "zod";
import type { EmbedInput, NormalizedEmbedRequest } from "../embeddings/normalized.ts";

/** OpenAI's limit on inputs per request. */
export const MAX_INPUTS = 2048;

export const EmbeddingsRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.unknown().optional(),
    encoding_format: z.enum(["float", "base64"]).default("float"),
    dimensions: z.number().int().positive().optional(),
    user: z.string().optional(),
  })
  .loose();

const Token = z.number().int().min(0).max(0xffff_ffff);
const Tokens = z.array(Token);

export function parseEmbeddingsRequest(body: unknown): NormalizedEmbedRequest {
  const parsed = EmbeddingsRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue ? issue.path.map(String).join(".") : null;
    throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid request"}`, param, "invalid_value");
  }
  const r = parsed.data;
  return { model: r.model, input: parseInput(r.input), dimensions: r.dimensions, encodingFormat: r.encoding_format, user: r.user };
}

const bad = (param: string, message: string) => invalidRequest(message, param, "invalid_value");

/** A string, a list of strings, a list of tokens, or a list of token lists; none of them empty. */
function parseInput(input: unknown): EmbedInput {
  if (input === undefined) throw invalidRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  if (typeof input === "string") {
    if (input.length === 0) throw bad("input", "input must not be an empty string.");
    return { kind: "text", texts: [input] };
  }
  if (!Array.isArray(input)) throw bad("input", "input must be a string, an array of strings, an array of tokens or an array of token arrays.");
  if (input.length === 0) throw bad("input", "input must not be an empty array.");
  if (input.length > MAX_INPUTS) throw bad("input", `input may hold at most ${MAX_INPUTS} items; it has ${input.length}.`);
  if (typeof input[0] === "number") {
    const tokens = Tokens.safeParse(input);
    if (!tokens.success) throw bad(`input[${String(tokens.error.issues[0]?.path[0] ?? 0)}]`, "a token array must hold only integers from 0 to 4294967295.");
    return { kind: "tokens", tokens: [tokens.data] };
  }
  if (typeof input[0] === "string") {
    input.forEach((item, i) => {
      if (typeof item !== "string") throw bad(`input[${i}]`, `input[${i}] must be a string like the items before it.`);
      if (item.length === 0) throw bad(`input[${i}]`, `input[${i}] must not be an empty string.`);
    });
    return { kind: "text", texts: input as string[] };
  }
  const lists: number[][] = input.map((item, i) => {
    const tokens = Tokens.safeParse(item);
    if (!tokens.success) throw bad(`input[${i}]`, `input[${i}] must be an array of integers from 0 to 4294967295.`);
    if (tokens.data.length === 0) throw bad(`input[${i}]`, `input[${i}] must not be an empty token array.`);
    return tokens.data;
  });
  return { kind: "tokens", tokens: lists };
}
