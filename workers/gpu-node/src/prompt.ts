/**
 * @module Renders OpenAI-style messages into prompt tokens with the model's chat wrapper,
 * and collects the wrapper's stop triggers as token ids and strings. Tool calls and their
 * results become node-llama-cpp function calls inside the model's turn, so the wrapper renders
 * them in the model's own function-calling syntax.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import type { ChatRequest } from "@switchyard/shared/codec/chat-codec";
import { ModelError } from "./model-catalog.ts";

export interface RenderedPrompt {
  tokens: Token[];
  stopTokens: Set<Token>;
  stopStrings: string[];
}

/** Functions documented in the prompt (tools), as the wrapper takes them. */
export interface PromptFunctions {
  functions: ChatModelFunctions;
}

export function toChatHistory(messages: ChatRequest["messages"], continueFrom = ""): ChatHistoryItem[] {
  const results = toolResults(messages);
  const history: ChatHistoryItem[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") history.push({ type: "system", text: m.content });
    else if (m.role === "assistant") {
      const calls = m.toolCalls.map((c): ChatModelFunctionCall => ({ type: "functionCall", name: c.name, params: parseArguments(c.arguments), result: results.get(c.id) ?? "" }));
      history.push({ type: "model", response: [...(m.content ? [m.content] : []), ...calls] });
    } else if (m.role !== "tool") history.push({ type: "user", text: m.content });
  }
  // After tool results the model's turn goes on from them; otherwise an open model turn makes
  // the wrapper render the generation prompt (and, when resuming a stream, the reply so far,
  // left open so the model goes on from it).
  const last = history.at(-1);
  if (messages.at(-1)?.role === "tool" && last?.type === "model") {
    if (continueFrom) (last as ChatModelResponse).response.push(continueFrom);
  } else history.push({ type: "model", response: continueFrom ? [continueFrom] : [] });
  return history;
}

/** Each tool message's content by the call it answers; a tool message that answers no earlier call is a 400. */
function toolResults(messages: ChatRequest["messages"]): Map<string, string> {
  const calls = new Set<string>();
  const results = new Map<string, string>();
  messages.forEach((m, i) => {
    for (const c of m.toolCalls) calls.add(c.id);
    if (m.role !== "tool") return;
    if (!calls.has(m.toolCallId))
      throw new ModelError(400, "invalid_tool_message", `messages[${i}] answers tool call '${m.toolCallId}', which no earlier assistant message made.`);
    results.set(m.toolCallId, m.content);
  });
  return results;
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function renderHistory(model: LlamaModel, wrapper: ChatWrapper, history: ChatHistoryItem[], tools?: PromptFunctions): RenderedPrompt {
  const state = wrapper.generateContextState({ chatHistory: history, availableFunctions: tools?.functions, documentFunctionParams: tools ? true : undefined });
  const tokens = state.contextText.tokenize(model.tokenizer);
  const stopTokens = new Set<Token>();
  const stopStrings: string[] = [];
  for (const trigger of state.stopGenerationTriggers) {
    const triggerTokens = trigger.tokenize(model.tokenizer);
    if (triggerTokens.length === 1 && triggerTokens[0] !== undefined) stopTokens.add(triggerTokens[0]);
    else {
      const text = trigger.toString();
      if (text.length > 0) stopStrings.push(text);
    }
  }
  return { tokens, stopTokens, stopStrings };
}

export function renderPrompt(model: LlamaModel, wrapper: ChatWrapper, messages: ChatRequest["messages"], continueFrom = ""): RenderedPrompt {
  return renderHistory(model, wrapper, toChatHistory(messages, continueFrom));
}

/** A legacy completion's prompt: the text as is after the model's BOS token, no chat template. */
export function rawPrompt(model: LlamaModel, text: string): RenderedPrompt {
  const bos = model.tokens.bos;
  const tokens = model.tokenize(text, false);
  return { tokens: bos === null ? tokens : [bos, ...tokens], stopTokens: new Set(), stopStrings: [] };
}
