/**
 * @module OpenAI's /v1/embeddings request, validated with zod and normalized for providers.
 * The schema decides what is accepted; when `input` is what it refuses, the input is looked at
 * item by item so the error names the item at fault (`input[3]`), which a union's error cannot.
 */
import { invalidRequest } from "@switchyard/shared/errors";
import { z } from "zod";
import type { EmbedInput, NormalizedEmbedRequest } from "../embeddings/normalized.ts";

/** OpenAI's limit on inputs per request. */
export const MAX_INPUTS = 2048;

const Token = z.number().int().min(0).max(0xffff_ffff);

export const EmbeddingInputSchema = z
  .union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1).max(MAX_INPUTS),
    z.array(Token).min(1),
    z.array(z.array(Token).min(1)).min(1).max(MAX_INPUTS),
  ])
  .meta({ description: `A text, up to ${MAX_INPUTS} texts, a token array, or up to ${MAX_INPUTS} token arrays; none empty.` });

export const EmbeddingsRequestSchema = z
  .object({
    model: z.string().min(1),
    input: EmbeddingInputSchema,
    encoding_format: z.enum(["float", "base64"]).default("float").meta({ description: "`base64`: little-endian float32." }),
    dimensions: z.number().int().positive().optional().meta({ description: "Local models: their own size only, unless their route sets `matryoshka`." }),
    user: z.string().optional(),
  })
  .loose();

export function parseEmbeddingsRequest(body: unknown): NormalizedEmbedRequest {
  const parsed = EmbeddingsRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.path[0] === "input" && typeof body === "object" && body !== null) explainInput((body as { input?: unknown }).input);
    const param = issue ? issue.path.map(String).join(".") : null;
    throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid request"}`, param, "invalid_value");
  }
  const r = parsed.data;
  return { model: r.model, input: normalizeInput(r.input), dimensions: r.dimensions, encodingFormat: r.encoding_format, user: r.user };
}

function normalizeInput(input: z.infer<typeof EmbeddingInputSchema>): EmbedInput {
  if (typeof input === "string") return { kind: "text", texts: [input] };
  if (input.every((x): x is string => typeof x === "string")) return { kind: "text", texts: input };
  if (input.every((x): x is number => typeof x === "number")) return { kind: "tokens", tokens: [input] };
  return { kind: "tokens", tokens: input as number[][] };
}

const bad = (param: string, message: string) => invalidRequest(message, param, "invalid_value");
const TOKEN_RULE = "integers from 0 to 4294967295";

/** Throws the error that names what is wrong with an input the schema refused. */
function explainInput(input: unknown): void {
  if (input === undefined) throw invalidRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter");
  if (typeof input === "string") throw bad("input", "input must not be an empty string.");
  if (!Array.isArray(input)) throw bad("input", "input must be a string, an array of strings, an array of tokens or an array of token arrays.");
  if (input.length === 0) throw bad("input", "input must not be an empty array.");
  if (typeof input[0] === "number") {
    const at = input.findIndex((t) => !Token.safeParse(t).success);
    if (at >= 0) throw bad(`input[${at}]`, `a token array must hold only ${TOKEN_RULE}.`);
  }
  if (input.length > MAX_INPUTS) throw bad("input", `input may hold at most ${MAX_INPUTS} items; it has ${input.length}.`);
  input.forEach((item, i) => {
    if (typeof input[0] === "string") {
      if (typeof item !== "string") throw bad(`input[${i}]`, `input[${i}] must be a string like the items before it.`);
      if (item.length === 0) throw bad(`input[${i}]`, `input[${i}] must not be an empty string.`);
      return;
    }
    if (!Array.isArray(item) || !item.every((t) => Token.safeParse(t).success)) throw bad(`input[${i}]`, `input[${i}] must be an array of ${TOKEN_RULE}.`);
    if (item.length === 0) throw bad(`input[${i}]`, `input[${i}] must not be an empty token array.`);
  });
}
