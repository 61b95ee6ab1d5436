/** @module The OpenAI chat completion request, validated with zod and normalised for providers. */
import { invalidRequest } from "@switchyard/shared/errors";
import { parseKeepAlive } from "@switchyard/shared/units";
import { z } from "zod";
import type { ContentPart, NormalizedChatRequest, NormalizedMessage, ToolChoice } from "../chat/normalized.ts";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ImagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }).loose(),
});
const ContentParts = z.array(z.discriminatedUnion("type", [TextPart, ImagePart]));

const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const Message = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: z.union([z.string(), ContentParts, z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(ToolCallSchema).optional(),
    tool_call_id: z.string().optional(),
  })
  .loose();

const Tool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'"),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const ToolChoiceSchema = z.union([
  z.enum(["auto", "none", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
]);

export const PositiveInt = z.number().int().positive();

/** The sampling fields chat and legacy completions share. */
export const samplingFields = {
  model: z.string().min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
  max_tokens: PositiveInt.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  n: z.literal(1).nullish(),
  user: z.string().nullish(),
};

export const ChatCompletionRequestSchema = z
  .object({
    ...samplingFields,
    messages: z.array(Message).min(1),
    max_completion_tokens: PositiveInt.nullish(),
    tools: z.array(Tool).max(128).nullish(),
    tool_choice: ToolChoiceSchema.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: z
      .object({ type: z.enum(["text", "json_object", "json_schema"]), json_schema: z.record(z.string(), z.unknown()).optional() })
      .loose()
      .nullish(),
    /** Ollama's keep_alive, for local models: seconds, a duration ("5m"), 0 or -1. */
    keep_alive: z
      .union([z.number(), z.string()])
      .refine((v) => parseKeepAlive(v) !== undefined, "must be a duration: seconds, a string such as '5m', 0 to unload at once or -1 to keep loaded")
      .nullish(),
  })
  .loose();

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

const KNOWN = new Set(Object.keys(ChatCompletionRequestSchema.shape));
/** Our own extensions never go upstream. */
const OURS = new Set(["conversation_id"]);

/** Parses a JSON body; a zod failure becomes a 400 naming the offending param. */
export function parseChatRequest(body: unknown): NormalizedChatRequest {
  const r = parseBody(ChatCompletionRequestSchema, body);
  const passthrough = unknownFields(r, KNOWN);
  return {
    model: r.model,
    messages: r.messages.map(toMessage),
    stream: r.stream === true,
    includeUsage: r.stream_options?.include_usage === true,
    maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
    temperature: r.temperature ?? undefined,
    topP: r.top_p ?? undefined,
    stop: stopList(r.stop),
    seed: r.seed ?? undefined,
    tools: (r.tools ?? []).map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters })),
    toolChoice: toToolChoice(r.tool_choice),
    parallelToolCalls: r.parallel_tool_calls ?? undefined,
    responseFormat: r.response_format ? { type: r.response_format.type, jsonSchema: r.response_format.json_schema } : undefined,
    user: r.user ?? undefined,
    keepAliveMs: r.keep_alive == null ? undefined : parseKeepAlive(r.keep_alive),
    passthrough,
    wire: "openai-chat",
  };
}

function toMessage(m: z.infer<typeof Message>): NormalizedMessage {
  const content: string | ContentPart[] =
    m.content == null
      ? ""
      : typeof m.content === "string"
        ? m.content
        : m.content.map((p): ContentPart => (p.type === "text" ? p : { type: "image", url: p.image_url.url, detail: p.image_url.detail }));
  return {
    role: m.role,
    content,
    ...(m.name ? { name: m.name } : {}),
    ...(m.tool_calls ? { toolCalls: m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })) } : {}),
    ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
  };
}

function toToolChoice(choice: z.infer<typeof ToolChoiceSchema> | null | undefined): ToolChoice | undefined {
  if (choice == null) return undefined;
  return typeof choice === "string" ? choice : { name: choice.function.name };
}

/**
 * Parses a body (or the part of one at `at`, e.g. "input[2]") with a front door's schema; the
 * first zod issue becomes a 400 naming its param.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, at = ""): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? formatPath(issue.path) : "";
  const param = at && path ? `${at}${path.startsWith("[") ? "" : "."}${path}` : at || path || null;
  throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid request"}`, param, "invalid_value");
}

/** Fields the schema does not model: passed on to OpenAI-compatible upstreams (never our own extensions). */
export function unknownFields(r: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!known.has(k) && !OURS.has(k) && v !== undefined) out[k] = v;
  return out;
}

export const stopList = (stop: string | string[] | null | undefined): string[] => (stop == null ? [] : typeof stop === "string" ? [stop] : stop);

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}
