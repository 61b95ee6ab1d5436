/**
 * @module NormalizedChatRequest → Anthropic Messages params: system messages lifted out,
 * tool calls and results as tool_use / tool_result blocks, images as base64 or url sources,
 * consecutive same-role turns merged (the API wants them alternating).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { invalidRequest } from "@switchyard/shared/errors";
import { CHAT_SCHEMA_PARAMS, type ContentPart, type NormalizedChatRequest, type NormalizedMessage } from "../../chat/normalized.ts";

type MessageParam = Anthropic.Messages.MessageParam;
type Block = Anthropic.Messages.ContentBlockParam;

/** Anthropic requires max_tokens; this is used when neither the client nor the route sets it. */
export const DEFAULT_MAX_TOKENS = 4096;

export function toAnthropicParams(r: NormalizedChatRequest): Anthropic.Messages.MessageCreateParamsNonStreaming {
  if (r.rawPrompt !== undefined)
    throw invalidRequest("Anthropic models have no legacy text completions; use /v1/chat/completions or /v1/messages.", "model", "unsupported_endpoint");
  if (r.responseFormat && r.responseFormat.type !== "text")
    throw invalidRequest("Anthropic models have no JSON response format; ask for JSON in the prompt instead.", (r.schemaParams ?? CHAT_SCHEMA_PARAMS).format, "unsupported_parameter");
  const system = r.messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => textOf(m.content))
    .join("\n\n");
  const params: Anthropic.Messages.MessageCreateParamsNonStreaming = {
    model: r.model,
    max_tokens: r.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: toAnthropicMessages(r.messages),
  };
  if (system) params.system = system;
  // temperature and top_p are not sent: the Messages API (SDK 1.x) has deprecated them.
  if (r.stop.length > 0) params.stop_sequences = r.stop;
  if (r.user) params.metadata = { user_id: r.user };
  if (r.tools.length > 0) {
    params.tools = r.tools.map((t) => ({
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      input_schema: (t.parameters ?? { type: "object", properties: {} }) as Anthropic.Messages.Tool.InputSchema,
    }));
  }
  const choice = toolChoice(r);
  if (choice) params.tool_choice = choice;
  return params;
}

function toolChoice(r: NormalizedChatRequest): Anthropic.Messages.ToolChoice | undefined {
  const noParallel = r.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  const c = r.toolChoice;
  if (c === undefined) return r.tools.length > 0 && r.parallelToolCalls === false ? { type: "auto", ...noParallel } : undefined;
  if (c === "none") return { type: "none" };
  if (c === "auto") return { type: "auto", ...noParallel };
  if (c === "required") return { type: "any", ...noParallel };
  return { type: "tool", name: c.name, ...noParallel };
}

export function toAnthropicMessages(messages: NormalizedMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") continue;
    const role = m.role === "assistant" ? "assistant" : "user";
    const blocks = toBlocks(m);
    const last = out.at(-1);
    if (last && last.role === role) (last.content as Block[]).push(...blocks);
    else out.push({ role, content: blocks });
  }
  return out;
}

function toBlocks(m: NormalizedMessage): Block[] {
  if (m.role === "tool") return [{ type: "tool_result", tool_use_id: m.toolCallId ?? "", content: textOf(m.content) }];
  const blocks: Block[] = typeof m.content === "string" ? (m.content ? [{ type: "text", text: m.content }] : []) : m.content.map(partToBlock);
  for (const call of m.toolCalls ?? []) blocks.push({ type: "tool_use", id: call.id, name: call.name, input: parseArguments(call.arguments) });
  return blocks;
}

function partToBlock(p: ContentPart): Block {
  if (p.type === "text") return { type: "text", text: p.text };
  const data = /^data:(image\/(?:png|jpeg|gif|webp));base64,(.*)$/s.exec(p.url);
  if (data) return { type: "image", source: { type: "base64", media_type: data[1] as "image/png", data: data[2] ?? "" } };
  if (/^https?:\/\//.test(p.url)) return { type: "image", source: { type: "url", url: p.url } };
  throw invalidRequest("Images must be https URLs or base64 data URLs (png, jpeg, gif, webp).", "messages", "invalid_image");
}

function parseArguments(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args || "{}");
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    throw invalidRequest("A tool call's arguments are not valid JSON.", "messages", "invalid_tool_arguments");
  }
}

const textOf = (content: NormalizedMessage["content"]): string =>
  typeof content === "string" ? content : content.map((p) => (p.type === "text" ? p.text : "")).join("");
