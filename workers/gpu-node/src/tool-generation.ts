/**
 * @module A generation that may call functions, through node-llama-cpp's LlamaChat: the chat
 * wrapper documents the functions in the prompt and renders calls in the model's own syntax,
 * and once the model opens a call, the name and the parameters are decoded under a grammar
 * built from the function's schema, so a call always parses. Parameters stream out as they are
 * generated; a call is one ToolCall with an id of ours.
 */
import { randomBytes } from "node:crypto";
import { type ChatWrapper, type ChatWrapperGenerateContextStateOptions, type ChatWrapperGeneratedContextState, LlamaChat, type LlamaContextSequence, LlamaText, type Token } from "node-llama-cpp";
import type { GenerationResult } from "./generate.ts";
import { sharedPrefix } from "./kv-reuse.ts";
import type { Decoding } from "./plan.ts";

export interface ToolSink {
  text(text: string, tokens: number): void;
  /** A piece of call `index`: its first piece carries the id and name. */
  toolCall(index: number, id: string | undefined, name: string | undefined, args: string): void;
}

export interface ToolGenerationParams {
  promptTokens: Token[];
  maxTokens: number;
  temperature: number;
  topP: number | undefined;
  seed: number | undefined;
  stopStrings: readonly string[];
  reuse: boolean;
}

type ToolDecoding = Extract<Decoding, { kind: "tools" }>;

export async function generateWithTools(
  sequence: LlamaContextSequence,
  decoding: ToolDecoding,
  params: ToolGenerationParams,
  sink: ToolSink,
  signal: AbortSignal,
): Promise<GenerationResult> {
  // LlamaChat keeps the tokens the sequence shares with its prompt and evaluates the rest.
  const cachedTokens = params.reuse ? sharedPrefix(sequence, params.promptTokens) : 0;
  if (!params.reuse) await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: decoding.wrapper });
  const before = sequence.tokenMeter.getState();
  const ids: string[] = [];
  const piece = (index: number, name: string, args: string) => {
    const first = ids[index] === undefined;
    if (first) ids[index] = `call_${randomBytes(12).toString("base64url")}`;
    sink.toolCall(index, first ? ids[index] : undefined, first ? name : undefined, args);
  };
  try {
    const res = await chat.generateResponse(decoding.history, {
      functions: decoding.functions,
      documentFunctionParams: true,
      ...(decoding.parallel ? {} : { maxParallelFunctionCalls: 1 }),
      maxTokens: params.maxTokens,
      temperature: params.temperature,
      topP: params.topP,
      seed: params.seed,
      customStopTriggers: [...params.stopStrings],
      signal,
      stopOnAbortSignal: true,
      onTextChunk: (text) => {
        if (text.length > 0) sink.text(text, 1);
      },
      onFunctionCallParamsChunk: (c) => piece(c.callIndex, c.functionName, c.paramsChunk),
    });
    // A call without parameters streams no chunk: it goes out whole.
    for (const [index, call] of (res.functionCalls ?? []).entries()) if (ids[index] === undefined) piece(index, call.functionName, JSON.stringify(call.params ?? {}));
    const used = sequence.tokenMeter.getState();
    const completionTokens = Math.max(0, used.usedOutputTokens - before.usedOutputTokens);
    const reason = res.metadata.stopReason;
    const finishReason = signal.aborted ? "cancelled" : reason === "functionCalls" ? "tool_calls" : reason === "maxTokens" ? "length" : "stop";
    return { finishReason, promptTokens: params.promptTokens.length, completionTokens, cachedTokens };
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

/**
 * The model's wrapper, with its reply opened inside a function call: for tool_choice
 * "required" or a named function. The wrapper's call prefix ends the prompt and LlamaChat
 * starts in function-name mode, so the reply can only be a call to one of the offered
 * functions (node-llama-cpp's own mechanism for wrappers whose replies start as calls).
 */
export function forcedCallWrapper(base: ChatWrapper): ChatWrapper {
  const forced: ChatWrapper = Object.create(base);
  forced.generateContextState = (options: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState => {
    const state = base.generateContextState(options);
    return {
      contextText: LlamaText([state.contextText, base.settings.functions.call.prefix]),
      stopGenerationTriggers: state.stopGenerationTriggers,
      functionCall: { initiallyEngaged: true, disengageInitiallyEngaged: [] },
    };
  };
  return forced;
}
