/**
 * @module A Responses request as the gateway's normalized chat request, so every target
 * (local pool, OpenAI, Anthropic, Groq) serves it through the chat path: limits, accounting,
 * fallbacks and cancellation included. State (previous_response_id) stays on the gateway.
 */
import type { NormalizedChatRequest, NormalizedMessage, ResponseFormat } from "../chat/normalized.ts";
import type { ResponsesRequest } from "./responses-request.ts";

export function toChatRequest(r: ResponsesRequest, messages: NormalizedMessage[]): NormalizedChatRequest {
  const choice = r.tool_choice;
  return {
    model: r.model,
    messages,
    stream: r.stream === true,
    includeUsage: true,
    maxTokens: r.max_output_tokens ?? undefined,
    temperature: r.temperature ?? undefined,
    topP: r.top_p ?? undefined,
    stop: [],
    seed: r.seed ?? undefined,
    tools: r.tools.map((t) => ({ name: t.name, description: t.description ?? undefined, parameters: t.parameters ?? undefined })),
    toolChoice: choice == null ? undefined : typeof choice === "string" ? choice : { name: choice.name },
    parallelToolCalls: r.parallel_tool_calls ?? undefined,
    responseFormat: responseFormat(r),
    user: r.user ?? undefined,
    passthrough: {},
    schemaParams: { tool: (i) => `tools[${i}].parameters`, response: "text.format.schema", format: "text.format" },
  };
}

function responseFormat(r: ResponsesRequest): ResponseFormat | undefined {
  const format = r.text?.format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  // The shape of chat's response_format.json_schema, which every provider already reads.
  return { type: "json_schema", jsonSchema: { name: format.name, schema: format.schema, ...(format.strict == null ? {} : { strict: format.strict }), ...(format.description ? { description: format.description } : {}) } };
}
