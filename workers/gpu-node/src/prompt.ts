/**
 * @module Renders OpenAI-style messages into prompt tokens with the model's chat wrapper,
 * and collects the wrapper's stop triggers as token ids and strings.
 */
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import type { ChatRequest } from "@switchyard/shared/codec/chat-codec";

export interface RenderedPrompt {
  tokens: Token[];
  stopTokens: Set<Token>;
  stopStrings: string[];
}

export function toChatHistory(messages: ChatRequest["messages"], continueFrom = ""): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const m of messages) {
    if (m.role === "system" || m.role === "developer") history.push({ type: "system", text: m.content });
    else if (m.role === "assistant") history.push({ type: "model", response: [m.content] });
    else history.push({ type: "user", text: m.content });
  }
  // An open model turn makes the wrapper render the generation prompt (and, when resuming a
  // stream, the reply so far, left open so the model goes on from it).
  history.push({ type: "model", response: continueFrom ? [continueFrom] : [] });
  return history;
}

export function renderPrompt(model: LlamaModel, wrapper: ChatWrapper, messages: ChatRequest["messages"], continueFrom = ""): RenderedPrompt {
  const state = wrapper.generateContextState({ chatHistory: toChatHistory(messages, continueFrom) });
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
