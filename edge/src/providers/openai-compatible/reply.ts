/**
 * @module An OpenAI-compatible upstream's reply, read once from the raw Response the SDK hands
 * over (after its auth, retries and error mapping). JSON is parsed once; SSE is decoded once
 * by the gateway's own decoder. Two ways out:
 * - translated: ChatEvents, for any front door;
 * - wire (the client speaks OpenAI chat completions too): the upstream's bytes as they came,
 *   event by event, with only what the gateway accounts for read out of them (usage,
 *   finish_reason), so whatever the upstream adds reaches the client unchanged.
 * Failures are thrown as plain errors (or the SDK's APIError for an error event), for the
 * provider's upstreamError to name.
 */
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import OpenAI from "openai";
import { z } from "zod";
import { concatBytes, SseDecoder, type SseEvent } from "../../sse/sse-decoder.ts";
import { finishReason } from "./events.ts";

const UsageSchema = z
  .object({
    prompt_tokens: z.number(),
    completion_tokens: z.number(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).loose().nullish(),
  })
  .loose();
const ToolCallSchema = z
  .object({
    index: z.number().optional(),
    id: z.string().nullish(),
    function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).loose().nullish(),
  })
  .loose();
const ErrorSchema = z.object({ message: z.string(), type: z.string().nullish(), code: z.union([z.string(), z.number()]).nullish() }).loose();

export const CompletionSchema = z
  .object({
    choices: z.array(z.object({ message: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallSchema).nullish() }).loose(), finish_reason: z.string().nullish() }).loose()),
    usage: UsageSchema.nullish(),
  })
  .loose();
export const ChunkSchema = z
  .object({
    choices: z.array(z.object({ delta: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallSchema).nullish() }).loose().nullish(), finish_reason: z.string().nullish() }).loose()),
    usage: UsageSchema.nullish(),
  })
  .loose();
const ErrorEventSchema = z.object({ error: ErrorSchema }).loose();

export type Completion = z.infer<typeof CompletionSchema>;
export type Chunk = z.infer<typeof ChunkSchema>;

const utf8 = new TextDecoder();

/** A body that is not what an OpenAI-compatible API sends (upstreamError names the provider). */
const badReply = (what: string, cause?: unknown) => new Error(what, { cause });

function parse<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badReply(`${what} that is not JSON`, err);
  }
  // An error event mid-stream, thrown as the SDK's own parser would. Checked for its key
  // first: zod's failing parse (an issue list per reply) cost more than the reply's own parse.
  if (typeof value === "object" && value !== null && "error" in value) {
    const error = ErrorEventSchema.safeParse(value);
    if (error.success) throw new OpenAI.APIError(undefined, error.data.error, undefined, undefined);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badReply(what, parsed.error);
  return parsed.data;
}

export function usageEvent(u: z.infer<typeof UsageSchema>): ChatEvent {
  const cached = u.prompt_tokens_details?.cached_tokens;
  return { type: "usage", promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, ...(cached == null ? {} : { cachedTokens: cached }) };
}

export function* completionEvents(c: Completion): Generator<ChatEvent> {
  const choice = c.choices[0];
  const content = choice?.message.content;
  if (content) yield { type: "token", text: content, count: c.usage?.completion_tokens ?? 0 };
  for (const [index, call] of (choice?.message.tool_calls ?? []).entries())
    yield { type: "tool_call", index, ...(call.id ? { id: call.id } : {}), ...(call.function?.name ? { name: call.function.name } : {}), arguments: call.function?.arguments ?? "" };
  if (c.usage) yield usageEvent(c.usage);
  yield { type: "done", finishReason: finishReason(choice?.finish_reason) };
}

/** One chunk may carry text, tool-call fragments, a finish reason and (last) usage. */
export function* chunkEvents(chunk: Chunk, state: { finish: FinishReason | undefined }): Generator<ChatEvent> {
  const choice = chunk.choices[0];
  if (choice?.delta?.content) yield { type: "token", text: choice.delta.content, count: 1 };
  for (const call of choice?.delta?.tool_calls ?? []) {
    yield {
      type: "tool_call",
      index: call.index ?? 0,
      ...(call.id ? { id: call.id } : {}),
      ...(call.function?.name ? { name: call.function.name } : {}),
      arguments: call.function?.arguments ?? "",
    };
  }
  if (choice?.finish_reason) state.finish = finishReason(choice.finish_reason);
  if (chunk.usage) yield usageEvent(chunk.usage);
}

/** A JSON reply: translated, or as its bytes (with usage and finish read out). */
export async function* jsonReply(response: Response, wire: boolean): AsyncGenerator<ChatEvent, void, undefined> {
  // Read as bytes once: decoded to parse, and on the wire path forwarded as they came (not encoded again).
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = utf8.decode(bytes);
  const completion = parse(CompletionSchema, text, "a completion");
  if (!wire) {
    yield* completionEvents(completion);
    return;
  }
  yield { type: "wire", bytes };
  if (completion.usage) yield usageEvent(completion.usage);
  yield { type: "done", finishReason: finishReason(completion.choices[0]?.finish_reason) };
}

const FINISH = /"finish_reason"\s*:\s*"/;
const USAGE = /"usage"\s*:\s*\{/;

/**
 * A streamed reply. Translated: every chunk parsed. Wire: only chunks that carry a finish
 * reason or usage (or are not chunks at all: an error event) are parsed; the rest go out as
 * bytes untouched, the events of one network read together as one piece (so a burst of
 * events costs one trip through the gateway, not one each). The usage-only chunk the gateway
 * asked for is dropped unless the client asked for usage too.
 */
export async function* streamReply(body: AsyncIterable<Uint8Array>, wire: { clientWantsUsage: boolean } | undefined): AsyncGenerator<ChatEvent, void, undefined> {
  const state: { finish: FinishReason | undefined } = { finish: undefined };
  const decoder = new SseDecoder();
  let ended = false;
  // Wire: one read's pieces and usage events, kept across reads (emptied after each).
  const pieces: Uint8Array[] = [];
  const usage: ChatEvent[] = [];
  for await (const read of body) {
    if (ended) continue;
    const events = decoder.push(read);
    if (!wire) {
      for (const event of events) {
        if (event.data === "[DONE]") {
          ended = true;
          break;
        }
        yield* chunkEvents(parse(ChunkSchema, event.data, "a stream chunk"), state);
      }
      continue;
    }
    // What came before a bad event in the same read still goes out, ahead of the error.
    let failure: { error: unknown } | undefined;
    for (const event of events) {
      if (event.data === "[DONE]") {
        ended = true;
        break;
      }
      try {
        wireChunk(event, state, wire.clientWantsUsage, pieces, usage);
      } catch (error) {
        failure = { error };
        break;
      }
    }
    if (pieces.length > 0) {
      const bytes = concatBytes(pieces);
      pieces.length = 0;
      yield { type: "wire", bytes };
    }
    // A loop, not yield*: an async generator's yield* over an array awaits even when it is empty.
    for (const e of usage) yield e;
    usage.length = 0;
    if (failure) throw failure.error;
  }
  if (!ended) for (const event of decoder.end()) if (event.data !== "[DONE]" && !wire) yield* chunkEvents(parse(ChunkSchema, event.data, "a stream chunk"), state);
  // A connection that closes early ends the body quietly; a reply without a finish reason is cut short.
  if (!state.finish) throw badReply("the stream ended before a finish_reason");
  yield { type: "done", finishReason: state.finish };
}

function wireChunk(event: SseEvent, state: { finish: FinishReason | undefined }, clientWantsUsage: boolean, pieces: Uint8Array[], usage: ChatEvent[]): void {
  const data = event.data;
  const accounted = FINISH.test(data) || USAGE.test(data) || !data.includes('"choices"');
  if (!accounted) {
    pieces.push(event.raw);
    return;
  }
  const chunk = parse(ChunkSchema, data, "a stream chunk");
  const finish = chunk.choices[0]?.finish_reason;
  if (finish) state.finish = finishReason(finish);
  const usageOnly = chunk.usage != null && chunk.choices.length === 0;
  if (!usageOnly || clientWantsUsage) pieces.push(event.raw);
  if (chunk.usage) usage.push(usageEvent(chunk.usage));
}
