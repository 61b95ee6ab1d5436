/**
 * @module The gateway's one chat request shape. Every front door (OpenAI chat completions,
 * Anthropic messages) parses into it, and every provider translates from it.
 */

export type ContentPart = { type: "text"; text: string } | { type: "image"; url: string; detail?: string | undefined };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as OpenAI carries it. */
  arguments: string;
}

export interface NormalizedMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: string | ContentPart[];
  name?: string | undefined;
  toolCalls?: ToolCall[] | undefined;
  toolCallId?: string | undefined;
}

export interface ToolDefinition {
  name: string;
  description?: string | undefined;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown> | undefined;
}

export type ToolChoice = "auto" | "none" | "required" | { name: string };

export interface ResponseFormat {
  type: "text" | "json_object" | "json_schema";
  jsonSchema?: Record<string, unknown> | undefined;
}

export interface NormalizedChatRequest {
  model: string;
  messages: NormalizedMessage[];
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  temperature: number | undefined;
  topP: number | undefined;
  stop: string[];
  seed: number | undefined;
  tools: ToolDefinition[];
  toolChoice: ToolChoice | undefined;
  parallelToolCalls: boolean | undefined;
  responseFormat: ResponseFormat | undefined;
  user: string | undefined;
  /** Local models only: how long the model stays loaded afterwards (Ollama's keep_alive); -1 forever. */
  keepAliveMs?: number | undefined;
  /** Other OpenAI parameters (penalties, logit_bias…) passed on to OpenAI-compatible upstreams. */
  passthrough: Record<string, unknown>;
  /**
   * The wire format the client reads, when a provider speaking it may hand its reply through as
   * bytes ("openai-chat": /v1/chat/completions). Unset: the reply is translated from events.
   */
  wire?: "openai-chat" | undefined;
  /** A legacy text completion (/v1/completions): the prompt as is, no chat template; messages is empty. */
  rawPrompt?: string | undefined;
  /**
   * Where this front door's request keeps the tool and response schemas, so an error names
   * them as the client wrote them (default: chat completions' names).
   */
  schemaParams?: SchemaParams | undefined;
}

export interface SchemaParams {
  tool(index: number): string;
  /** The response format's schema, and the format itself. */
  response: string;
  format: string;
}

/** A request of the gateway's own making (a title, a test): every setting unset but what `fields` gives. */
export const chatRequest = (fields: Pick<NormalizedChatRequest, "model" | "messages"> & Partial<NormalizedChatRequest>): NormalizedChatRequest => ({
  stream: false,
  includeUsage: false,
  maxTokens: undefined,
  temperature: undefined,
  topP: undefined,
  stop: [],
  seed: undefined,
  tools: [],
  toolChoice: undefined,
  parallelToolCalls: undefined,
  responseFormat: undefined,
  user: undefined,
  passthrough: {},
  ...fields,
});

export const CHAT_SCHEMA_PARAMS: SchemaParams = {
  tool: (i) => `tools[${i}].function.parameters`,
  response: "response_format.json_schema.schema",
  format: "response_format",
};

/** Text of a message, for targets that take text only; null when it holds an image. */
export function textOnly(content: NormalizedMessage["content"]): string | null {
  if (typeof content === "string") return content;
  let text = "";
  for (const part of content) {
    if (part.type !== "text") return null;
    text += part.text;
  }
  return text;
}
