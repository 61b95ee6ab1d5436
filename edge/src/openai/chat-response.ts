/** @module Builds OpenAI chat.completion and chat.completion.chunk objects from ChatEvents. */
import { withFirst } from "../chat/with-first.ts";
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import { z } from "zod";

const tokens = z.number().int();
export const UsageSchema = z.object({
  prompt_tokens: tokens,
  completion_tokens: tokens,
  total_tokens: tokens,
  prompt_tokens_details: z.object({ cached_tokens: tokens.meta({ description: "Prompt tokens a worker's KV cache already held." }) }).optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

const FINISH_REASONS = ["stop", "length", "tool_calls", "content_filter"] as const satisfies readonly FinishReason[];
const ToolCallOutSchema = z.object({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.string() }) });

export const ChatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal("assistant"),
        content: z.string().nullable(),
        tool_calls: z.array(ToolCallOutSchema).optional(),
        refusal: z.null(),
      }),
      logprobs: z.null(),
      finish_reason: z.enum(FINISH_REASONS),
    }),
  ),
  usage: UsageSchema,
  system_fingerprint: z.null(),
});

export const usage = (promptTokens: number, completionTokens: number, cachedTokens?: number): Usage => ({
  prompt_tokens: promptTokens,
  completion_tokens: completionTokens,
  total_tokens: promptTokens + completionTokens,
  ...(cachedTokens === undefined ? {} : { prompt_tokens_details: { cached_tokens: cachedTokens } }),
});

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

type ToolCallOut = z.infer<typeof ToolCallOutSchema>;

type Events = AsyncIterator<ChatEvent, void, undefined>;

/** Drains the events into one chat.completion. */
export async function collectCompletion(first: ChatEvent | undefined, events: Events, meta: CompletionMeta): Promise<z.infer<typeof ChatCompletionSchema>> {
  let content = "";
  let finish: FinishReason = "stop";
  let u = usage(0, 0);
  const calls: ToolCallOut[] = [];
  for await (const e of withFirst(first, events)) {
    if (e.type === "accepted") u = usage(e.promptTokens ?? 0, 0);
    else if (e.type === "token") content += e.text;
    else if (e.type === "tool_call") {
      const call = calls[e.index] ?? { id: "", type: "function", function: { name: "", arguments: "" } };
      calls[e.index] = call;
      if (e.id) call.id = e.id;
      if (e.name) call.function.name = e.name;
      call.function.arguments += e.arguments;
    } else if (e.type === "usage") u = usage(e.promptTokens, e.completionTokens, e.cachedTokens);
    else if (e.type === "done") finish = e.finishReason;
  }
  const toolCalls = calls.filter(Boolean);
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant" as const,
          content: toolCalls.length > 0 && content === "" ? null : content,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          refusal: null,
        },
        logprobs: null,
        finish_reason: finish,
      },
    ],
    usage: u,
    system_fingerprint: null,
  };
}

interface ChunkDelta {
  role?: "assistant";
  content?: string;
  tool_calls?: Array<{ index: number; id?: string; type?: "function"; function: { name?: string; arguments: string } }>;
}

/** The events as chat.completion.chunk objects, OpenAI's order: role, deltas, finish, usage. */
export async function* completionChunks(first: ChatEvent | undefined, events: Events, meta: CompletionMeta, includeUsage: boolean) {
  const chunk = (delta: ChunkDelta, finishReason: FinishReason | null) => ({
    id: meta.id,
    object: "chat.completion.chunk" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    // With include_usage, OpenAI sends usage: null on every chunk but the last.
    ...(includeUsage ? { usage: null } : {}),
  });
  let u = usage(0, 0);
  yield chunk({ role: "assistant", content: "" }, null);
  for await (const e of withFirst(first, events)) {
    if (e.type === "token") {
      if (e.text.length > 0) yield chunk({ content: e.text }, null);
    } else if (e.type === "tool_call") {
      const head = e.id ? { id: e.id, type: "function" as const } : {};
      yield chunk({ tool_calls: [{ index: e.index, ...head, function: { ...(e.name ? { name: e.name } : {}), arguments: e.arguments } }] }, null);
    } else if (e.type === "accepted") u = usage(e.promptTokens ?? 0, 0);
    else if (e.type === "usage") u = usage(e.promptTokens, e.completionTokens, e.cachedTokens);
    else if (e.type === "done") yield chunk({}, e.finishReason);
  }
  if (includeUsage)
    yield { id: meta.id, object: "chat.completion.chunk" as const, created: meta.created, model: meta.model, system_fingerprint: null, choices: [], usage: u };
}

/** A wire reply (the upstream's own bytes): its body, once the events are drained (accounting sees them all). */
export async function collectWire(events: Events): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  for (let next = await events.next(); !next.done; next = await events.next()) if (next.value.type === "wire") parts.push(next.value.bytes);
  // Bytes off a fetch body are never backed by shared memory.
  if (parts.length === 1) return parts[0] as Uint8Array<ArrayBuffer>;
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * A streamed wire reply's bytes: the upstream's events as they came, for sseStream's `select`
 * (the SSE encoder adds the closing [DONE]); the other events (usage, done) send nothing.
 */
export const wireBytes = (e: ChatEvent): Uint8Array | undefined => (e.type === "wire" ? e.bytes : undefined);
