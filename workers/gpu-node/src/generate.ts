/**
 * @module One generation on one context sequence: evaluates the prompt, samples until
 * max_tokens, an end token, a stop string, the context's end or a cancel, and reports
 * text, usage and the finish reason through callbacks.
 */
import { type LlamaContextSequence, type LlamaGrammar, LlamaGrammarEvaluationState, type Token } from "node-llama-cpp";
import { alignToPrompt } from "./kv-reuse.ts";
import type { LoadedModel } from "./load-model.ts";
import { StopMatcher } from "./stop-matcher.ts";
import { TokenText } from "./token-text.ts";

export interface GenerationParams {
  promptTokens: Token[];
  stopTokens: ReadonlySet<Token>;
  stopStrings: readonly string[];
  maxTokens: number;
  temperature: number;
  topP: number | undefined;
  seed: number | undefined;
  /** Start from the sequence's cached tokens that the prompt shares (false: evaluate it all). */
  reuse: boolean;
  /** Structured output: only tokens this grammar allows (a JSON schema's), until it is complete. */
  grammar?: LlamaGrammar | undefined;
}

export interface GenerationSink {
  text(text: string, tokens: number): void;
}

export interface GenerationResult {
  finishReason: "stop" | "length" | "tool_calls" | "cancelled";
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens taken from the cache rather than evaluated. */
  cachedTokens: number;
}

export async function generate(
  loaded: LoadedModel,
  sequence: LlamaContextSequence,
  params: GenerationParams,
  sink: GenerationSink,
  signal: AbortSignal,
): Promise<GenerationResult> {
  const cachedTokens = await alignToPrompt(sequence, params.promptTokens, params.reuse);
  const text = new TokenText(loaded.model);
  const stops = new StopMatcher(params.stopStrings);
  let generated = 0;
  let pendingCount = 0;
  let finishReason: GenerationResult["finishReason"] = "length";
  let matchedStopString = false;
  const emit = (chunk: string, tokens: number) => {
    pendingCount += tokens;
    if (chunk.length === 0) return;
    sink.text(chunk, pendingCount);
    pendingCount = 0;
  };

  if (params.maxTokens > 0 && !signal.aborted) {
    const tokens = sequence.evaluate(params.promptTokens.slice(cachedTokens), {
      temperature: params.temperature,
      topP: params.topP,
      seed: params.seed,
      yieldEogToken: true,
      ...(params.grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model: loaded.model, grammar: params.grammar }) } : {}),
    });
    for await (const token of tokens) {
      if (signal.aborted) {
        finishReason = "cancelled";
        break;
      }
      if (loaded.model.isEogToken(token) || params.stopTokens.has(token)) {
        finishReason = "stop";
        break;
      }
      generated += 1;
      const piece = stops.push(text.push(token));
      emit(piece.emit, 1);
      if (piece.stopped) {
        finishReason = "stop";
        matchedStopString = true;
        break;
      }
      if (generated >= params.maxTokens) break;
    }
  }
  if (finishReason !== "cancelled" && !matchedStopString) {
    const tail = stops.push(text.flush());
    emit(tail.stopped ? tail.emit : tail.emit + stops.flush(), 0);
  }
  if (pendingCount > 0 && finishReason !== "cancelled") sink.text("", pendingCount);

  // Counted as evaluated and sampled, never by re-tokenizing text. The sequence's token meter
  // is not used: it books the last prompt token and fed-back samples as "output".
  return { finishReason, promptTokens: params.promptTokens.length, completionTokens: generated, cachedTokens };
}
