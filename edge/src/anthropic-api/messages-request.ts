/** @module Anthropic's Messages API request, validated with zod and normalised for any target. */
import { invalidRequest } from "@switchyard/shared/errors";
import { z } from "zod";
import type { ContentPart, NormalizedChatRequest, NormalizedMessage, ToolChoice } from "../chat/normalized.ts";

const TextBlock = z.object({ type: z.literal("text"), text: z.string() }).loose();
const ImageBlock = z
  .object({
    type: z.literal("image"),
    source: z.discriminatedUnion("type", [
      z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }),
      z.object({ type: z.literal("url"), url: z.string() }),
    ]),
  })
  .loose();
const ToolUseBlock = z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() }).loose();
const ToolResultBlock = z
  .object({
    type: z.literal("tool_result"),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(TextBlock)]).optional(),
    is_error: z.boolean().optional(),
  })
  .loose();
const Block = z.discriminatedUnion("type", [TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock]);

const Message = z.object({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), z.array(Block)]) });

export const MessagesRequestSchema = z
  .object({
    model: z.string().min(1),
    max_tokens: z.number().int().positive(),
    messages: z.array(Message).min(1),
    system: z.union([z.string(), z.array(TextBlock)]).optional(),
    stop_sequences: z.array(z.string()).optional(),
    stream: z.boolean().optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().positive().optional(),
    tools: z.array(z.object({ name: z.string(), description: z.string().optional(), input_schema: z.record(z.string(), z.unknown()) }).loose()).optional(),
    tool_choice: z
      .object({ type: z.enum(["auto", "any", "none", "tool"]), name: z.string().optional(), disable_parallel_tool_use: z.boolean().optional() })
      .optional(),
    metadata: z.object({ user_id: z.string().optional() }).loose().optional(),
  })
  .loose();

type Parsed = z.infer<typeof MessagesRequestSchema>;

export function parseMessagesRequest(body: unknown): NormalizedChatRequest {
  const parsed = MessagesRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue ? issue.path.map(String).join(".") : null;
    throw invalidRequest(`${param ?? "body"}: ${issue?.message ?? "invalid request"}`, param, "invalid_value");
  }
  const r = parsed.data;
  const messages: NormalizedMessage[] = [];
  const system = typeof r.system === "string" ? r.system : (r.system ?? []).map((b) => b.text).join("\n");
  if (system) messages.push({ role: "system", content: system });
  for (const m of r.messages) messages.push(...toMessages(m));
  return {
    model: r.model,
    messages,
    stream: r.stream === true,
    includeUsage: true,
    maxTokens: r.max_tokens,
    temperature: r.temperature,
    topP: r.top_p,
    stop: r.stop_sequences ?? [],
    seed: undefined,
    tools: (r.tools ?? []).map((t) => ({ name: t.name, description: t.description, parameters: t.input_schema })),
    toolChoice: toolChoice(r.tool_choice),
    parallelToolCalls: r.tool_choice?.disable_parallel_tool_use ? false : undefined,
    responseFormat: undefined,
    user: r.metadata?.user_id,
    passthrough: {},
    schemaParams: { tool: (i) => `tools[${i}].input_schema`, response: "response_format", format: "response_format" },
  };
}

/** One Anthropic turn can hold tool results (our `tool` messages) beside text. */
function toMessages(m: z.infer<typeof Message>): NormalizedMessage[] {
  if (typeof m.content === "string") return [{ role: m.role, content: m.content }];
  const out: NormalizedMessage[] = [];
  const parts: ContentPart[] = [];
  const toolCalls: NonNullable<NormalizedMessage["toolCalls"]> = [];
  for (const b of m.content) {
    if (b.type === "text") parts.push({ type: "text", text: b.text });
    else if (b.type === "image")
      parts.push({ type: "image", url: b.source.type === "url" ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}` });
    else if (b.type === "tool_use") toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
    else {
      const text = typeof b.content === "string" ? b.content : (b.content ?? []).map((t) => t.text).join("");
      out.push({ role: "tool", toolCallId: b.tool_use_id, content: b.is_error ? `Error: ${text}` : text });
    }
  }
  const onlyText = parts.every((p) => p.type === "text");
  const content = onlyText ? parts.map((p) => (p.type === "text" ? p.text : "")).join("") : parts;
  if (parts.length > 0 || toolCalls.length > 0) out.push({ role: m.role, content, ...(toolCalls.length ? { toolCalls } : {}) });
  return out;
}

function toolChoice(c: Parsed["tool_choice"]): ToolChoice | undefined {
  if (!c) return undefined;
  if (c.type === "any") return "required";
  if (c.type === "tool") return { name: c.name ?? "" };
  return c.type;
}
