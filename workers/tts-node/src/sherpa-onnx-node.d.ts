/**
 * Minimal types for sherpa-onnx-node 1.13.8 (the package ships none): only offline TTS.
 * The package is CommonJS and Node's ESM loader cannot see `OfflineTts` as a named export,
 * so only the default export is a value: `import sherpa from "sherpa-onnx-node"`.
 */
declare module "sherpa-onnx-node" {
  export interface OfflineTtsVitsModelConfig {
    model: string;
    tokens: string;
    lexicon?: string;
    dataDir?: string;
    noiseScale?: number;
    noiseScaleW?: number;
    lengthScale?: number;
  }

  export interface OfflineTtsModelConfig {
    vits?: OfflineTtsVitsModelConfig;
    numThreads?: number;
    provider?: "cpu" | "cuda" | "coreml";
    debug?: boolean;
  }

  export interface OfflineTtsConfig {
    model: OfflineTtsModelConfig;
    /** Sentences per model run; with generateAsync, one onProgress call per batch. */
    maxNumSentences?: number;
    /** Pauses of 0.2 s or more (|x| <= 0.01) keep this fraction of their length (native default 0.2). */
    silenceScale?: number;
    ruleFsts?: string;
    ruleFars?: string;
  }

  export interface TtsRequest {
    text: string;
    sid: number;
    speed: number;
    enableExternalBuffer?: boolean;
  }

  /** One batch of sentences while generating; progress is in (0, 1]. */
  export interface TtsProgress {
    samples: Float32Array;
    progress: number;
  }

  export interface TtsAsyncRequest extends TtsRequest {
    /** Return 0 or false to stop after this batch; anything else continues. */
    onProgress?: (info: TtsProgress) => unknown;
  }

  export interface GeneratedAudio {
    samples: Float32Array;
    sampleRate: number;
  }

  export interface OfflineTts {
    readonly numSpeakers: number;
    readonly sampleRate: number;
    /** Blocks the thread. Kills the process (SIGSEGV) on text that yields no tokens. */
    generate(request: TtsRequest): GeneratedAudio;
    /**
     * Runs on the libuv pool; rejects ("TTS generation produced no audio") when the text yields
     * no tokens. Throws synchronously (TypeError) when text/sid/speed have the wrong type.
     */
    generateAsync(request: TtsAsyncRequest): Promise<GeneratedAudio>;
  }

  // A type alias, not an interface with `new (…)`: biome 2.3.9 panics on construct
  // signatures inside `declare module`.
  export type OfflineTtsConstructor = (new (config: OfflineTtsConfig) => OfflineTts) & {
    /** Loads on the libuv pool instead of blocking the thread. */
    createAsync(config: OfflineTtsConfig): Promise<OfflineTts>;
  };

  const sherpa: {
    OfflineTts: OfflineTtsConstructor;
    version: string;
    gitSha1: string;
    gitDate: string;
    onnxruntimeVersion: string;
  };
  export default sherpa;
}
