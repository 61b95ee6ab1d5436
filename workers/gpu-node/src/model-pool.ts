/**
 * @module Loads every valid .gguf in a folder with node-llama-cpp: one context per model with
 * one sequence per slot. Files that would crash llama.cpp are rejected before it sees them.
 */
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  type ChatWrapper,
  getLlama,
  LlamaLogLevel,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  resolveChatWrapper,
} from "node-llama-cpp";
import { validateGguf } from "./gguf/validate-gguf.ts";
import { SlotPool } from "@switchyard/shared/slot-pool";

export interface ModelPoolOptions {
  modelsDir: string;
  /** CPU threads per context; llama.cpp's default (4) is ~500x slower on a 2-core machine. */
  threads: number;
  /** Parallel generations per model. */
  slots: number;
  /** Context size per model; 0 means the model's own (capped at 8192). */
  contextSize: number;
  /** "auto" picks CUDA or Vulkan when present; false forces CPU. */
  gpu: "auto" | "cuda" | "vulkan" | false;
  log: (message: string) => void;
}

export interface LoadedModel {
  id: string;
  path: string;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  contextWindow: number;
  slots: SlotPool<LlamaContextSequence>;
}

export interface ModelPool {
  llama: Llama;
  models: Map<string, LoadedModel>;
  gpuName: string;
  dispose(): Promise<void>;
}

/** The model id clients use: the file name without `.gguf`. */
export const modelIdFromPath = (path: string): string => basename(path).replace(/\.gguf$/i, "");

export async function loadModelPool(options: ModelPoolOptions): Promise<ModelPool> {
  const llama = await getLlama({ gpu: options.gpu, build: "never", maxThreads: options.threads, logLevel: LlamaLogLevel.error });
  const files = (await readdir(options.modelsDir).catch(() => [] as string[])).filter((f) => f.toLowerCase().endsWith(".gguf")).sort();
  const models = new Map<string, LoadedModel>();
  for (const file of files) {
    const path = join(options.modelsDir, file);
    try {
      const loaded = await loadOne(llama, path, options);
      models.set(loaded.id, loaded);
      options.log(`loaded model ${loaded.id} (context ${loaded.contextWindow}, ${options.slots} slots) from ${path}`);
    } catch (err) {
      options.log(`skipping ${path}: ${(err as Error).message}`);
    }
  }
  const gpuName = llama.gpu === false ? "cpu" : `${llama.gpu}:${(await llama.getGpuDeviceNames().catch(() => [])).join(",")}`;
  return {
    llama,
    models,
    gpuName,
    async dispose() {
      for (const m of models.values()) {
        await m.context.dispose();
        await m.model.dispose();
      }
      await llama.dispose();
    },
  };
}

async function loadOne(llama: Llama, path: string, options: ModelPoolOptions): Promise<LoadedModel> {
  const summary = await validateGguf(path);
  const model = await llama.loadModel({ modelPath: path });
  try {
    const wanted = options.contextSize > 0 ? options.contextSize : Math.min(summary.contextLength, 8192);
    const context = await model.createContext({
      contextSize: Math.min(wanted, summary.contextLength),
      sequences: options.slots,
      threads: options.threads,
      flashAttention: false,
    });
    const sequences = Array.from({ length: options.slots }, () => context.getSequence());
    // Resolved once here: letting each chat pick its wrapper costs ~300 ms per request.
    const chatWrapper = resolveChatWrapper(model);
    return {
      id: modelIdFromPath(path),
      path,
      model,
      context,
      chatWrapper,
      contextWindow: context.contextSize,
      slots: new SlotPool(sequences),
    };
  } catch (err) {
    await model.dispose();
    throw err;
  }
}
