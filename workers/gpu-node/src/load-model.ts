/**
 * @module Loads one GGUF with node-llama-cpp: one context per model with one sequence per
 * slot and the chat wrapper resolved once, plus an embedding context for a model that embeds;
 * and estimates what that takes in memory.
 */
import {
  type ChatWrapper,
  GgufInsights,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaModel,
  readGgufFileInfo,
  resolveChatWrapper,
} from "node-llama-cpp";
import { SlotPool } from "@switchyard/shared/slot-pool";
import { poolsToOneVector } from "./capabilities.ts";

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
  /** For a model that embeds: a context of its own (llama.cpp computes embeddings only in one made for them). */
  embedding: LlamaEmbeddingContext | undefined;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  contextSize: number;
  slots: number;
  threads: number;
  /** Create the embedding context too (the model declares a pooling type). */
  embeddings: boolean;
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
    // One batch as large as the context: mean and cls pooling see only the last batch of an
    // input that is split, so every input must be evaluated in one (llama-server asks the same).
    const embedding = options.embeddings
      ? await model.createEmbeddingContext({ contextSize: options.contextSize, batchSize: options.contextSize, threads: options.threads }).catch(async (err: unknown) => {
          await context.dispose();
          throw err;
        })
      : undefined;
    return {
      id,
      path,
      model,
      context,
      chatWrapper,
      contextWindow: context.contextSize,
      slots: new SlotPool(sequences),
      prefixes: new Map(),
      embedding,
      async dispose() {
        await embedding?.dispose();
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
 * Memory of the model loaded with this context (weights, KV cache, graph; and the embedding
 * context of a model that embeds), RAM and VRAM together, as node-llama-cpp's own estimator
 * sees it; the file size if it cannot tell.
 */
export async function estimateMemory(llama: Llama, path: string, contextSize: number, sequences: number, fileBytes: number): Promise<number> {
  try {
    const info = await readGgufFileInfo(path, { logWarnings: false });
    const insights = await GgufInsights.from(info, llama);
    // A model that embeds also gets an embedding context at load (loadModel).
    const embeddings = poolsToOneVector(info.architectureMetadata.pooling_type);
    const gpuLayers = llama.gpu === false ? 0 : insights.totalLayers;
    const weights = await insights.estimateModelResourceRequirementsV2({ gpuLayers });
    const context = await insights.estimateContextResourceRequirementsV2({ contextSize, sequences, modelGpuLayers: gpuLayers, flashAttention: false });
    const embedding = embeddings
      ? await insights.estimateContextResourceRequirementsV2({ contextSize, batchSize: contextSize, sequences: 1, modelGpuLayers: gpuLayers, isEmbeddingContext: true })
      : { cpuRam: 0, gpuVram: 0 };
    return weights.cpuRam + weights.gpuVram + context.cpuRam + context.gpuVram + embedding.cpuRam + embedding.gpuVram;
  } catch {
    return fileBytes;
  }
}
