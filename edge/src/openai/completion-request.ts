/**
 * @module The legacy text completion request (POST /v1/completions), validated with zod: one
 * normalized request per prompt, each carrying its prompt as `rawPrompt` (no chat template
 * on local models; OpenAI-compatible upstreams get the prompt forwarded).
 */
import { invalidRequest } from "@switchyard/shared/errors";
import { z } from "zod";
import type { NormalizedChatRequest } from "../chat/normalized.ts";
import { parseBody, samplingFields, stopList, unknownFields } from "./chat-request.ts";

/** OpenAI's default for this endpoint (chat has none). */
const DEFAULT_MAX_TOKENS = 16;
const MAX_PROMPTS = 16;

export const CompletionRequestSchema = z
  .object({
    ...samplingFields,
    prompt: z.union([z.string(), z.array(z.string()).min(1).max(MAX_PROMPTS)]),
    echo: z.boolean().nullish(),
    best_of: z.literal(1).nullish(),
  })
  .loose();

const KNOWN = new Set(Object.keys(CompletionRequestSchema.shape));

export interface CompletionRequest {
  /** One request per prompt, in order (their choices' indexes). */
  prompts: NormalizedChatRequest[];
  echo: boolean;
  stream: boolean;
  includeUsage: boolean;
}

export function parseCompletionRequest(body: unknown): CompletionRequest {
  const r = parseBody(CompletionRequestSchema, body);
  const prompts = typeof r.prompt === "string" ? [r.prompt] : r.prompt;
  prompts.forEach((p, i) => {
    if (p.length === 0) throw invalidRequest("A prompt must not be empty.", typeof r.prompt === "string" ? "prompt" : `prompt[${i}]`, "invalid_value");
  });
  const base: Omit<NormalizedChatRequest, "rawPrompt"> = {
    model: r.model,
    messages: [],
    stream: r.stream === true,
    includeUsage: r.stream_options?.include_usage === true,
    maxTokens: r.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: r.temperature ?? undefined,
    topP: r.top_p ?? undefined,
    stop: stopList(r.stop),
    seed: r.seed ?? undefined,
    tools: [],
    toolChoice: undefined,
    parallelToolCalls: undefined,
    responseFormat: undefined,
    user: r.user ?? undefined,
    passthrough: unknownFields(r, KNOWN),
  };
  return { prompts: prompts.map((rawPrompt) => ({ ...base, rawPrompt })), echo: r.echo === true, stream: base.stream, includeUsage: base.includeUsage };
}
