/**
 * @module What bench:embeddings measures, one batch at a time: node-llama-cpp's embedding
 * context in this process, made and driven as the gpu-node does it (the worker's own input
 * checks, evaluation and normalization from workers/gpu-node/src/embed.ts), and the same batch
 * through a gateway over HTTP, asked for base64 as the openai SDK asks by default.
 */
import { performance } from "node:perf_hooks";
import { embedAll, prepareInputs } from "@switchyard/gpu-node/embed";
import { getLlama, type Llama, type LlamaEmbeddingContext, LlamaLogLevel, type LlamaModel } from "node-llama-cpp";

export interface BatchResult {
  ms: number;
  /** The batch's first vector, to check every path computes the same thing. */
  first: Float32Array;
}

export interface DirectEmbedOptions {
  modelPath: string;
  threads: number;
  contextSize: number;
  gpu: "auto" | "cuda" | "vulkan" | false;
}

export class DirectEmbedder {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaEmbeddingContext,
    private readonly limits: { contextWindow: number; vocabSize: number },
  ) {}

  /** The embedding context as workers/gpu-node/src/load-model.ts makes it: one batch as large as the context. */
  static async open(o: DirectEmbedOptions): Promise<DirectEmbedder> {
    const llama = await getLlama({ gpu: o.gpu, build: "never", maxThreads: o.threads, logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: o.modelPath });
    const context = await model.createEmbeddingContext({ contextSize: o.contextSize, batchSize: o.contextSize, threads: o.threads });
    return new DirectEmbedder(llama, model, context, { contextWindow: o.contextSize, vocabSize: model.fileInfo.metadata.tokenizer.ggml.tokens.length });
  }

  async run(texts: string[]): Promise<BatchResult> {
    const start = performance.now();
    const prepared = prepareInputs(this.context, { texts, tokenInputs: [] }, this.limits);
    let first: Float32Array | undefined;
    await embedAll(this.context, prepared.tokens, 0, new AbortController().signal, (i, v) => {
      if (i === 0) first = v;
    });
    return { ms: performance.now() - start, first: first! };
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

/** One POST /v1/embeddings, timed from before the request to the parsed body, as a client sees it. */
export async function embedThroughGateway(baseUrl: string, model: string, texts: string[]): Promise<BatchResult> {
  const start = performance.now();
  const res = await fetch(`${baseUrl}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, input: texts, encoding_format: "base64" }),
  });
  if (!res.ok) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { data: Array<{ embedding: string }> };
  const ms = performance.now() - start;
  if (body.data.length !== texts.length) throw new Error(`gateway gave ${body.data.length} vectors for ${texts.length} inputs`);
  const bytes = Buffer.from(body.data[0]!.embedding, "base64");
  return { ms, first: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
}
