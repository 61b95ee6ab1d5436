/**
 * @module What a request asks of the loaded model, checked before `started` is sent: the
 * rendered prompt (a chat, a chat with tools, or a raw legacy prompt), how many tokens the
 * reply may take, and how it is decoded: free text, under a JSON grammar, or through
 * node-llama-cpp's function calling. Everything wrong with the request is a ModelError 400 here.
 */
import { GrammarSchemaError, type JsonObject, toGrammarSchema } from "@switchyard/shared/llm/grammar-schema";
import type { ChatRequest } from "@switchyard/shared/codec/chat-codec";
import type { ChatHistoryItem, ChatModelFunctions, ChatWrapper, GbnfJsonSchema, LlamaGrammar } from "node-llama-cpp";
import type { LoadedModel } from "./load-model.ts";
import { ModelError } from "./model-catalog.ts";
import { type RenderedPrompt, rawPrompt, renderHistory, toChatHistory } from "./prompt.ts";
import { forcedCallWrapper } from "./tool-generation.ts";

export type Decoding =
  | { kind: "text" }
  | { kind: "grammar"; grammar: LlamaGrammar }
  | { kind: "tools"; history: ChatHistoryItem[]; wrapper: ChatWrapper; functions: ChatModelFunctions; parallel: boolean };

export interface Plan {
  prompt: RenderedPrompt;
  maxTokens: number;
  decoding: Decoding;
}

/**
 * Renders the prompt and settles max_tokens: what the request asks for, refused past the room
 * left in the context or the model's max output (models.json, 0 = none); unset, as much as both allow.
 */
export async function planRequest(loaded: LoadedModel, request: ChatRequest, maxOutputTokens: number): Promise<Plan> {
  const { prompt, decoding } = await render(loaded, request);
  const room = loaded.contextWindow - prompt.tokens.length;
  if (room <= 0)
    throw new ModelError(400, "context_length_exceeded", `This model's maximum context length is ${loaded.contextWindow} tokens; the messages take ${prompt.tokens.length}.`);
  const asked = request.sampling?.maxTokens;
  if (asked !== undefined && maxOutputTokens > 0 && asked > maxOutputTokens)
    throw new ModelError(400, "invalid_value", `max_tokens is too large: ${asked}. The model '${loaded.id}' gives at most ${maxOutputTokens} completion tokens.`, "max_tokens");
  if (asked !== undefined && asked > room)
    throw new ModelError(
      400,
      "context_length_exceeded",
      `This model's maximum context length is ${loaded.contextWindow} tokens; the messages take ${prompt.tokens.length} and max_tokens asks for ${asked}.`,
    );
  return { prompt, maxTokens: asked ?? (maxOutputTokens > 0 ? Math.min(room, maxOutputTokens) : room), decoding };
}

async function render(loaded: LoadedModel, request: ChatRequest): Promise<{ prompt: RenderedPrompt; decoding: Decoding }> {
  const grammar = await responseGrammar(loaded, request);
  if (request.rawPrompt !== undefined) {
    if (request.rawPrompt.length === 0) throw new ModelError(400, "invalid_prompt", "prompt must not be empty");
    return { prompt: rawPrompt(loaded.model, request.rawPrompt), decoding: grammar ? { kind: "grammar", grammar } : { kind: "text" } };
  }
  if (request.messages.length === 0) throw new ModelError(400, "invalid_messages", "messages must not be empty");
  const history = toChatHistory(request.messages, request.continueFrom);
  const documented = documentedFunctions(request);
  if (!documented) return { prompt: renderHistory(loaded.model, loaded.chatWrapper, history), decoding: grammar ? { kind: "grammar", grammar } : { kind: "text" } };
  // tool_choice "none" keeps the functions documented (the prompt, and so the slot's cache,
  // stays that of the turns that could call them) and decodes plain text.
  if (request.toolChoice === "none")
    return { prompt: renderHistory(loaded.model, loaded.chatWrapper, history, { functions: documented }), decoding: grammar ? { kind: "grammar", grammar } : { kind: "text" } };
  if (grammar) throw new ModelError(400, "unsupported_parameter", "A local model takes tools or a JSON response format in one request, not both.");
  // "required" or a named function: the reply starts inside a call (see forcedCallWrapper).
  const forced = request.toolChoice === "required" || request.toolChoice === "function";
  const wrapper = forced ? forcedCallWrapper(loaded.chatWrapper) : loaded.chatWrapper;
  const functions = request.toolChoice === "function" ? named(documented, request.toolChoiceName) : documented;
  return {
    prompt: renderHistory(loaded.model, wrapper, history, { functions }),
    decoding: { kind: "tools", history, wrapper, functions, parallel: request.parallelToolCalls !== false },
  };
}

/** The request's tools as the wrapper documents them, their schemas checked against what a grammar enforces. */
function documentedFunctions(request: ChatRequest): ChatModelFunctions | undefined {
  if (request.tools.length === 0) return undefined;
  const functions: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
  for (const [i, t] of request.tools.entries()) {
    const params = t.parametersJson ? grammarSchema(t.parametersJson, `tools[${i}].function.parameters`) : undefined;
    functions[t.name] = { ...(t.description ? { description: t.description } : {}), ...(params ? { params: params as GbnfJsonSchema } : {}) };
  }
  return functions;
}

/** Only the function a named tool_choice names: the one the model may call. */
function named(functions: ChatModelFunctions, name: string): ChatModelFunctions {
  const fn = functions[name];
  if (!fn) throw new ModelError(400, "invalid_tool_choice", `tool_choice names '${name}', which is not among the tools.`);
  return { [name]: fn };
}

async function responseGrammar(loaded: LoadedModel, request: ChatRequest): Promise<LlamaGrammar | undefined> {
  const format = request.sampling?.responseFormat;
  if (format === "json_object") return loaded.model.llama.getGrammarFor("json");
  if (format !== "json_schema") return undefined;
  const schema = grammarSchema(request.sampling?.jsonSchema ?? "", "response_format.json_schema.schema");
  return loaded.model.llama.createGrammarForJsonSchema(schema as Readonly<GbnfJsonSchema> as never);
}

function grammarSchema(json: string, path: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ModelError(400, "invalid_schema", `${path} is not valid JSON.`);
  }
  try {
    return toGrammarSchema(parsed, path);
  } catch (err) {
    if (err instanceof GrammarSchemaError) throw new ModelError(400, "unsupported_schema", err.message);
    throw err;
  }
}
