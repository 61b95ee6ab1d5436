/**
 * @module Tools and structured output for the local pool: the normalized request's tools,
 * tool choice and response format as ChatRequest fields. Schemas are checked here against
 * what a local model's grammar can enforce, so a schema it cannot honour is a 400 naming the
 * part before any worker is asked (the worker checks again).
 */
import { invalidRequest } from "@switchyard/shared/errors";
import { GrammarSchemaError, toGrammarSchema } from "@switchyard/shared/llm/grammar-schema";
import { CHAT_SCHEMA_PARAMS, type NormalizedChatRequest } from "../chat/normalized.ts";

interface WireTools {
  tools?: Array<{ name: string; description?: string; parametersJson?: string }>;
  toolChoice?: string;
  toolChoiceName?: string;
  parallelToolCalls?: boolean;
}

export function localTools(request: NormalizedChatRequest): WireTools {
  if (request.tools.length === 0) {
    if (request.toolChoice === "required" || typeof request.toolChoice === "object") throw invalidRequest("tool_choice needs tools to choose from.", "tool_choice", "invalid_value");
    return {};
  }
  const params = request.schemaParams ?? CHAT_SCHEMA_PARAMS;
  const tools = request.tools.map((t, i) => {
    if (t.parameters !== undefined) checked(t.parameters, params.tool(i));
    return { name: t.name, ...(t.description ? { description: t.description } : {}), ...(t.parameters ? { parametersJson: JSON.stringify(t.parameters) } : {}) };
  });
  const choice = request.toolChoice;
  if (typeof choice === "object" && !request.tools.some((t) => t.name === choice.name))
    throw invalidRequest(`tool_choice names '${choice.name}', which is not among the tools.`, "tool_choice", "invalid_value");
  return {
    tools,
    toolChoice: choice === undefined ? "auto" : typeof choice === "string" ? choice : "function",
    ...(typeof choice === "object" ? { toolChoiceName: choice.name } : {}),
    ...(request.parallelToolCalls === undefined ? {} : { parallelToolCalls: request.parallelToolCalls }),
  };
}

export function localResponseFormat(request: NormalizedChatRequest): { responseFormat?: string; jsonSchema?: string } {
  const format = request.responseFormat;
  if (!format || format.type === "text") return {};
  const params = request.schemaParams ?? CHAT_SCHEMA_PARAMS;
  if (request.tools.length > 0 && request.toolChoice !== "none")
    throw invalidRequest("A local model takes tools or a JSON response format in one request, not both.", params.format, "unsupported_parameter");
  if (format.type === "json_object") return { responseFormat: "json_object" };
  const schema = format.jsonSchema?.schema;
  if (schema === undefined) throw invalidRequest(`${params.response} is required for a json_schema response format.`, params.response, "invalid_value");
  checked(schema, params.response);
  return { responseFormat: "json_schema", jsonSchema: JSON.stringify(schema) };
}

function checked(schema: unknown, param: string): void {
  try {
    toGrammarSchema(schema, param);
  } catch (err) {
    if (err instanceof GrammarSchemaError) throw invalidRequest(err.message, err.path, "unsupported_schema");
    throw err;
  }
}
