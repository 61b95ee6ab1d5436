/** @module NormalizedChatRequest → OpenAI chat completion params (OpenAI, Groq and other compatible APIs). */
import type OpenAI from "openai";
import type { NormalizedChatRequest, NormalizedMessage } from "../../chat/normalized.ts";

type MessageParam = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ContentPart = OpenAI.Chat.Completions.ChatCompletionContentPart;

export function toOpenAIMessages(messages: NormalizedMessage[]): MessageParam[] {
  return messages.map((m): MessageParam => {
    switch (m.role) {
      case "system":
      case "developer":
        return { role: m.role, content: textOf(m), ...(m.name ? { name: m.name } : {}) };
      case "tool":
        return { role: "tool", content: textOf(m), tool_call_id: m.toolCallId ?? "" };
      case "assistant":
        return {
          role: "assistant",
          content: textOf(m) || (m.toolCalls?.length ? null : ""),
          ...(m.name ? { name: m.name } : {}),
          ...(m.toolCalls?.length
            ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) }
            : {}),
        };
      default:
        return {
          role: "user",
          content:
            typeof m.content === "string"
              ? m.content
              : m.content.map(
                  (p): ContentPart =>
                    p.type === "text" ? { type: "text", text: p.text } : { type: "image_url", image_url: { url: p.url, ...(p.detail ? { detail: p.detail as "auto" } : {}) } },
                ),
          ...(m.name ? { name: m.name } : {}),
        };
    }
  });
}

const textOf = (m: NormalizedMessage): string =>
  typeof m.content === "string" ? m.content : m.content.map((p) => (p.type === "text" ? p.text : "")).join("");

export function toOpenAIParams(r: NormalizedChatRequest): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
  const params: Record<string, unknown> = {
    // Unknown OpenAI parameters first, so ours (validated) win.
    ...r.passthrough,
    model: r.model,
    messages: toOpenAIMessages(r.messages),
  };
  if (r.maxTokens !== undefined) params.max_completion_tokens = r.maxTokens;
  if (r.temperature !== undefined) params.temperature = r.temperature;
  if (r.topP !== undefined) params.top_p = r.topP;
  if (r.stop.length > 0) params.stop = r.stop;
  if (r.seed !== undefined) params.seed = r.seed;
  if (r.user !== undefined) params.user = r.user;
  if (r.tools.length > 0)
    params.tools = r.tools.map((t) => ({
      type: "function",
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.parameters ? { parameters: t.parameters } : {}) },
    }));
  if (r.toolChoice !== undefined) params.tool_choice = typeof r.toolChoice === "string" ? r.toolChoice : { type: "function", function: { name: r.toolChoice.name } };
  if (r.parallelToolCalls !== undefined) params.parallel_tool_calls = r.parallelToolCalls;
  if (r.responseFormat)
    params.response_format = r.responseFormat.type === "json_schema" ? { type: "json_schema", json_schema: r.responseFormat.jsonSchema } : { type: r.responseFormat.type };
  return params as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
}
