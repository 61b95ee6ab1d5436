/** @module GET /v1/models and /v1/models/{id}: OpenAI's list shape, from what the providers serve now. */
import { notFound } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { ModelCard } from "../providers/provider.ts";

const toOpenAI = (m: ModelCard) => ({
  id: m.id,
  object: "model" as const,
  created: Math.floor(m.createdUnixMs / 1000),
  owned_by: m.ownedBy,
  ...(m.capabilities === undefined ? {} : { capabilities: m.capabilities }),
  ...(m.embeddingDimensions === undefined ? {} : { embedding_dimensions: m.embeddingDimensions }),
  ...(m.contextWindow === undefined ? {} : { context_window: m.contextWindow }),
});

/** Live local models first; a configured name that a worker also serves is listed once. */
function allModels(c: Context<AppEnv>): ModelCard[] {
  const seen = new Set<string>();
  return c.var.deps.providers
    .flatMap((p) => p.listModels())
    .filter((m) => {
      if (seen.has(m.id)) return false;
      seen.add(m.id);
      return true;
    });
}

export const listModels = (c: Context<AppEnv>) => c.json({ object: "list", data: allModels(c).map(toOpenAI) });

export function getModel(c: Context<AppEnv>) {
  const id = c.req.param("model") ?? "";
  const card = allModels(c).find((m) => m.id === id);
  if (!card) throw notFound(`The model '${id}' does not exist`);
  return c.json(toOpenAI(card));
}
