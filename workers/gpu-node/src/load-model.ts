/**
 * @module Loads one GGUF with node-llama-cpp: one context per model with one sequence per
 * slot and the chat wrapper resolved once; and estimates what that takes in memory.
 */
import {
  type ChatWrapper,
  GgufInsights,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  readGgufFileInfo,
  resolveChatWrapper,
} from "node-llama-cpp";
import { SlotPool } from "@switchyard/shared/slot-pool";

export interface LoadedModel {
  id: string;
  path: string;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  contextWindow: number;
  /** The context's sequences; the catalog's reservations keep takers within their number. */
  slots: SlotPool<LlamaContextSequence>;
  /** With KV reuse: the prefix hashes of what each sequence's cache holds, announced for routing. */
  prefixes: Map<LlamaContextSequence, number[]>;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  contextSize: number;
  slots: number;
  threads: number;
  onProgress?: (progress: number) => void;
}

export async function loadModel(llama: Llama, id: string, path: string, options: LoadOptions): Promise<LoadedModel> {
  const model = await llama.loadModel({ modelPath: path, onLoadProgress: options.onProgress });
  try {
    const context = await model.createContext({
      contextSize: options.contextSize,
      sequences: options.slots,
      threads: options.threads,
      flashAttention: false,
    });
    const sequences = Array.from({ length: options.slots }, () => context.getSequence());
    // Resolved once here: letting each chat pick its wrapper costs ~300 ms per request.
    const chatWrapper = resolveChatWrapper(model);
    return {
      id,
      path,
      model,
      context,
      chatWrapper,
      contextWindow: context.contextSize,
      slots: new SlotPool(sequences),
      prefixes: new Map(),
      async dispose() {
        await context.dispose();
        await model.dispose();
      },
    };
  } catch (err) {
    await model.dispose();
    throw err;
  }
}

/**
 * Memory of the model loaded with this context (weights, KV cache, graph), RAM and VRAM
 * together, as node-llama-cpp's own estimator sees it; the file size if it cannot tell.
 */
export async function estimateMemory(llama: Llama, path: string, contextSize: number, sequences: number, fileBytes: number): Promise<number> {
  try {
    const insights = await GgufInsights.from(await readGgufFileInfo(path, { logWarnings: false }), llama);
    const gpuLayers = llama.gpu === false ? 0 : insights.totalLayers;
    const weights = await insights.estimateModelResourceRequirementsV2({ gpuLayers });
    const context = await insights.estimateContextResourceRequirementsV2({ contextSize, sequences, modelGpuLayers: gpuLayers, flashAttention: false });
    return weights.cpuRam + weights.gpuVram + context.cpuRam + context.gpuVram;
  } catch {
    return fileBytes;
  }
}
