/** @module GET /v1/models and /v1/models/{id}: OpenAI's list shape, from what the providers serve now. */
import { notFound } from "@switchyard/shared/errors";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import type { ModelCard } from "../providers/provider.ts";

export const ModelSchema = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
  context_window: z.number().int().optional().meta({ description: "Tokens of context the model is served with (local models)." }),
  max_output_tokens: z
    .number()
    .int()
    .optional()
    .meta({ description: "Longest reply a request may ask for (local models): the model's setting, else its context window." }),
  capabilities: z.array(z.string()).optional().meta({ description: "What a local model serves: chat, completions, tools, json_schema, embeddings." }),
  embedding_dimensions: z.number().int().optional().meta({ description: "Length of the model's embedding vectors (local models that embed)." }),
});
export const ModelListSchema = z.object({ object: z.literal("list"), data: z.array(ModelSchema) });

const toOpenAI = (m: ModelCard): z.infer<typeof ModelSchema> => ({
  id: m.id,
  object: "model",
  created: Math.floor(m.createdUnixMs / 1000),
  owned_by: m.ownedBy,
  ...(m.capabilities === undefined ? {} : { capabilities: m.capabilities }),
  ...(m.embeddingDimensions === undefined ? {} : { embedding_dimensions: m.embeddingDimensions }),
  ...(m.contextWindow === undefined ? {} : { context_window: m.contextWindow }),
  ...(m.maxOutputTokens === undefined ? {} : { max_output_tokens: m.maxOutputTokens }),
});

/** Live local models first; a configured name that a worker also serves is listed once. */
function allModels(c: Context<AppEnv>): ModelCard[] {
  const seen = new Set<string>();
  return c.get("deps").providers
    .flatMap((p) => p.listModels())
    .filter((m) => {
      if (seen.has(m.id)) return false;
      seen.add(m.id);
      return true;
    });
}

export const listModels = (c: Context<AppEnv>) => c.json({ object: "list" as const, data: allModels(c).map(toOpenAI) } satisfies z.infer<typeof ModelListSchema>);

export function getModel(c: Context<AppEnv>) {
  const id = c.req.param("model") ?? "";
  const card = allModels(c).find((m) => m.id === id);
  if (!card) throw notFound(`The model '${id}' does not exist`);
  return c.json(toOpenAI(card));
}
