/**
 * @module The baseline: node-llama-cpp in this process, set up and driven the way the gpu-node
 * worker does it (explicit threads, no flash attention, prompt rendered once with the model's
 * chat wrapper, `sequence.evaluate` and incremental detokenization), with no bus or HTTP.
 */
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { renderPrompt } from "@switchyard/gpu-node/prompt";
import { TokenText } from "@switchyard/gpu-node/token-text";
import { ChatMessageSchema } from "@switchyard/proto/chat";
import {
  type ChatWrapper,
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
} from "node-llama-cpp";
import type { BenchRequest, RunResult } from "./run-result.ts";

export interface DirectOptions {
  modelPath: string;
  threads: number;
  contextSize: number;
  gpu: "auto" | "cuda" | "vulkan" | false;
}

export class DirectRunner {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
    private readonly wrapper: ChatWrapper,
  ) {}

  /** Mirrors workers/gpu-node/src/model-pool.ts loadOne(), with one sequence (the worker runs with LLAMA_SLOTS=1 here). */
  static async open(options: DirectOptions): Promise<DirectRunner> {
    const llama = await getLlama({ gpu: options.gpu, build: "never", maxThreads: options.threads, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({
      contextSize: options.contextSize,
      sequences: 1,
      threads: options.threads,
      flashAttention: false,
    });
    return new DirectRunner(llama, model, context, context.getSequence(), resolveChatWrapper(model));
  }

  async run(request: BenchRequest): Promise<RunResult> {
    const start = performance.now();
    // Rendered per run because the worker renders per request: it belongs in TTFT on both sides.
    // The worker renders the decoded protobuf messages; build the same shape.
    const messages = request.messages.map((m) => create(ChatMessageSchema, m));
    const prompt = renderPrompt(this.model, this.wrapper, messages);
    await this.sequence.clearHistory();
    const detok = new TokenText(this.model);
    let first = Number.NaN;
    let last = Number.NaN;
    let pieces = 0;
    let generated = 0;
    let text = "";
    let finishReason = "length";
    const tokens = this.sequence.evaluate(prompt.tokens, {
      // The wire carries temperature as a protobuf float: round it the same way, or the
      // sampler sees a different value and the outputs cannot be compared.
      temperature: Math.fround(request.temperature),
      topP: undefined,
      seed: request.seed >>> 0,
      yieldEogToken: true,
    });
    for await (const token of tokens) {
      if (this.model.isEogToken(token) || prompt.stopTokens.has(token)) {
        finishReason = "stop";
        break;
      }
      generated += 1;
      const piece = detok.push(token);
      if (piece.length > 0) {
        last = performance.now();
        if (pieces === 0) first = last;
        pieces += 1;
        text += piece;
      }
      if (generated >= request.maxTokens) break;
    }
    text += detok.flush();
    const end = performance.now();
    return {
      ttftMs: first - start,
      pieces,
      decodeMs: last - first,
      totalMs: end - start,
      completionTokens: generated,
      finishReason,
      text,
    };
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}
