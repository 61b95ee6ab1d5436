/** @module The OpenAI chat completion request, validated with zod and normalised for providers. */
import { invalidRequest } from "@switchyard/shared/errors";
import { z } from "zod";

const TextPart = z.object({ type: z.literal("text"), text: z.string() });
const ImagePart = z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string() }).loose() });
const ContentPart = z.discriminatedUnion("type", [TextPart, ImagePart]);

const Message = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
    name: z.string().optional(),
  })
  .loose();

const PositiveInt = z.number().int().positive();

export const ChatCompletionRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(Message).min(1),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
    max_tokens: PositiveInt.nullish(),
    max_completion_tokens: PositiveInt.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    seed: z.number().int().nullish(),
    n: z.literal(1).nullish(),
    response_format: z.object({ type: z.enum(["text", "json_object", "json_schema"]) }).loose().nullish(),
    user: z.string().nullish(),
  })
  .loose();

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** What every provider receives: one shape, whatever the client sent. */
export interface NormalizedChatRequest {
  model: string;
  messages: Array<{ role: string; content: string; name?: string }>;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  stop: string[];
  seed: number | undefined;
  responseFormat: string | undefined;
  user: string | undefined;
}

/** Parses a JSON body; a zod failure becomes a 400 naming the offending param. */
export function parseChatRequest(body: unknown): NormalizedChatRequest {
  const parsed = ChatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue ? formatPath(issue.path) : null;
    throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid request"}`, param, "invalid_value");
  }
  const r = parsed.data;
  const messages = r.messages.map((m, i) => ({
    role: m.role,
    content: flattenContent(m.content, i),
    ...(m.name ? { name: m.name } : {}),
  }));
  return {
    model: r.model,
    messages,
    stream: r.stream === true,
    includeUsage: r.stream_options?.include_usage === true,
    maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
    temperature: r.temperature ?? undefined,
    topP: r.top_p ?? undefined,
    stop: r.stop == null ? [] : typeof r.stop === "string" ? [r.stop] : r.stop,
    // Seeds are any integer in OpenAI's API; llama.cpp takes 32 bits.
    seed: r.seed == null ? undefined : r.seed >>> 0,
    responseFormat: r.response_format?.type,
    user: r.user ?? undefined,
  };
}

function flattenContent(content: z.infer<typeof Message>["content"], index: number): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, j) => {
      if (part.type === "text") return part.text;
      throw invalidRequest("This model does not accept image inputs.", `messages[${index}].content[${j}]`, "unsupported_content");
    })
    .join("");
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}
