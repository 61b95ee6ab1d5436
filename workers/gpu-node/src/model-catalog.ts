/**
 * @module The models of one worker: every valid .gguf in its folder (with the settings of
 * models.json, model-settings.ts), announced as available and loaded on its first request
 * (one context, one sequence per slot). Slots are reserved
 * before a request is accepted, so a model never runs more generations than it has slots.
 * A model idle past its keep-alive is unloaded; a load that would pass the memory budget
 * first evicts the least recently used idle model, and is refused if it still cannot fit.
 */
import { stat } from "node:fs/promises";
import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";
import { modelCapabilities } from "./capabilities.ts";
import { estimateMemory, loadModel, type LoadedModel } from "./load-model.ts";
import { validateGguf } from "./gguf/validate-gguf.ts";
import { type ModelSpec, planModels } from "./model-settings.ts";

export type ModelState = "available" | "loading" | "loaded" | "failed";
export type UnloadCause = "idle" | "evicted" | "admin";
export type { LoadedModel };

export interface ModelCatalogOptions {
  modelsDir: string;
  threads: number;
  /** Slots per model, unless models.json says otherwise for it. */
  slots: number;
  /** Context size per model, unless models.json says otherwise; 0 means the model's own (capped at 8192). */
  contextSize: number;
  gpu: "auto" | "cuda" | "vulkan" | false;
  /** Default keep-alive of an idle model (models.json may set one per model); -1 keeps it loaded. */
  keepAliveMs: number;
  /** Bytes the loaded models may take together; undefined: what is free at start. */
  memoryBudgetBytes: number | undefined;
  log: (message: string) => void;
  /** Called after every change of state or reservations (status updates hang off it). */
  onChange: () => void;
  /** Called on each load and unload, for metrics. */
  onLoadEvent?: (model: string, event: "load" | "unload" | "load_failed", cause: string) => void;
}

/** A refusal the worker sends back as a typed error, with the HTTP status the gateway should use. */
export class ModelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault, when one is (OpenAI's `param`). */
    readonly param = "",
  ) {
    super(message);
  }
}

export interface CatalogModel {
  readonly id: string;
  readonly path: string;
  /** What it was announced from; a rescan that finds it changed reloads the model once idle. */
  readonly spec: ModelSpec;
  state: ModelState;
  error: string;
  contextWindow: number;
  /** Longest reply a request may ask for; 0: up to the room left in the context. */
  maxOutputTokens: number;
  memoryBytes: number;
  slotsTotal: number;
  reserved: number;
  lastUsedUnixMs: number;
  keepAliveMs: number;
  tokensPerSecond: number;
  /** What the model serves ("chat", "completions", "tools", "json_schema", "embeddings"), from its GGUF metadata. */
  capabilities: string[];
  /** Length of its embedding vectors; 0 when it does not embed. */
  embeddingDimensions: number;
  /** Tokens in its vocabulary: token inputs must stay below. */
  vocabSize: number;
  loaded: LoadedModel | undefined;
  loading: Promise<LoadedModel> | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

const MIB = 1024 * 1024;
const sameSpec = (a: ModelSpec, b: ModelSpec) => JSON.stringify(a) === JSON.stringify(b);
const mib = (bytes: number) => `${Math.ceil(bytes / MIB)} MiB`;

export class ModelCatalog {
  readonly #models = new Map<string, CatalogModel>();
  /** Files that failed their check, with their mtime then: not read again until they change. */
  readonly #skipped = new Map<string, number>();
  /** The models.json problems reported by the last scan: each is logged once, not on every rescan. */
  #problems = new Set<string>();

  private constructor(
    readonly llama: Llama,
    readonly gpuName: string,
    readonly memoryBudgetBytes: number,
    private readonly options: ModelCatalogOptions,
  ) {}

  static async open(options: ModelCatalogOptions): Promise<ModelCatalog> {
    const llama = await getLlama({ gpu: options.gpu, build: "never", maxThreads: options.threads, logLevel: LlamaLogLevel.error });
    const gpuName = llama.gpu === false ? "cpu" : `${llama.gpu}:${(await llama.getGpuDeviceNames().catch(() => [])).join(",")}`;
    const free = llama.gpu === false ? (await llama.getRamState()).free : (await llama.getVramState()).free;
    const catalog = new ModelCatalog(llama, gpuName, options.memoryBudgetBytes ?? free, options);
    await catalog.rescan();
    return catalog;
  }

  /**
   * Looks at the folder and its models.json again: new valid files or entries are announced
   * (available); models whose file or entry is gone, or whose settings changed, are dropped
   * once no request holds them (unloaded first if loaded), and a changed one is announced again
   * with its new settings. A file that failed its check is looked at again only when it changes.
   */
  async rescan(): Promise<{ added: string[]; removed: string[] }> {
    const plan = await planModels(this.options.modelsDir);
    this.#report(plan.problems);
    const wanted = new Map(plan.specs.map((spec) => [spec.id, spec]));
    const removed: string[] = [];
    for (const m of this.models()) {
      const spec = wanted.get(m.id);
      if ((spec && sameSpec(spec, m.spec)) || m.reserved > 0 || m.loading) continue;
      const why = spec ? "its settings changed" : "its file or entry is gone";
      if (m.loaded) await this.unload(m.id, "admin", why).catch(() => {});
      // A request may have taken it while it unloaded: then it goes on the next rescan.
      if (m.reserved > 0 || m.loading) continue;
      this.#models.delete(m.id);
      removed.push(m.id);
      this.options.log(`model ${m.id} removed: ${why}`);
    }
    const added: string[] = [];
    for (const spec of plan.specs) {
      if (this.#models.has(spec.id)) continue;
      const mtime = await stat(spec.path).then((st) => st.mtimeMs, () => -1);
      if (this.#skipped.get(spec.path) === mtime) continue;
      try {
        const m = await this.#entry(spec);
        this.#models.set(spec.id, m);
        this.#skipped.delete(spec.path);
        added.push(spec.id);
        const output = m.maxOutputTokens > 0 ? `, max output ${m.maxOutputTokens}` : "";
        this.options.log(`found model ${m.id} (context ${m.contextWindow}${output}, ${m.slotsTotal} slots, ~${mib(m.memoryBytes)}) at ${m.path}`);
      } catch (err) {
        this.#skipped.set(spec.path, mtime);
        this.options.log(`skipping ${spec.path}: ${(err as Error).message}`);
      }
    }
    if (added.length > 0 || removed.length > 0) this.options.onChange();
    return { added, removed };
  }

  #report(problems: string[]): void {
    for (const p of problems) if (!this.#problems.has(p)) this.options.log(p);
    this.#problems = new Set(problems);
  }

  async #entry(spec: ModelSpec): Promise<CatalogModel> {
    const summary = await validateGguf(spec.path);
    const wanted = spec.contextWindow ?? (this.options.contextSize > 0 ? this.options.contextSize : Math.min(summary.contextLength, 8192));
    const contextWindow = Math.min(wanted, summary.contextLength);
    const slots = spec.slots ?? this.options.slots;
    const memoryBytes = await estimateMemory(this.llama, spec.path, contextWindow, slots, summary.fileBytes);
    return {
      id: spec.id,
      path: spec.path,
      spec,
      state: "available",
      error: "",
      contextWindow,
      maxOutputTokens: spec.maxOutputTokens ?? 0,
      memoryBytes,
      slotsTotal: slots,
      reserved: 0,
      lastUsedUnixMs: 0,
      keepAliveMs: spec.keepAliveMs ?? this.options.keepAliveMs,
      tokensPerSecond: 0,
      ...modelCapabilities(summary),
      vocabSize: summary.tokenCount,
      loaded: undefined,
      loading: undefined,
      idleTimer: undefined,
    };
  }

  models(): CatalogModel[] {
    return [...this.#models.values()];
  }

  get(id: string): CatalogModel | undefined {
    return this.#models.get(id);
  }

  usedMemoryBytes(): number {
    let used = 0;
    for (const m of this.#models.values()) if (m.state === "loaded" || m.state === "loading") used += m.memoryBytes;
    return used;
  }

  /** Takes one slot of the model, or refuses at once: a worker never queues work it cannot start. */
  reserve(id: string): CatalogModel {
    const m = this.#models.get(id);
    if (!m) throw new ModelError(404, "model_not_found", `The model '${id}' is not served by this worker.`);
    if (m.reserved >= m.slotsTotal) throw new ModelError(429, "worker_busy", `Every slot of '${id}' on this worker is busy.`);
    m.reserved += 1;
    m.lastUsedUnixMs = Date.now();
    clearTimeout(m.idleTimer);
    m.idleTimer = undefined;
    this.options.onChange();
    return m;
  }

  /** Gives the slot back; a request's keep_alive (if any) becomes the model's from now on, as in Ollama. */
  release(m: CatalogModel, keepAliveMs: number | undefined): void {
    m.reserved -= 1;
    m.lastUsedUnixMs = Date.now();
    if (keepAliveMs !== undefined) m.keepAliveMs = keepAliveMs;
    if (m.reserved === 0) this.#scheduleIdleUnload(m);
    this.options.onChange();
  }

  #scheduleIdleUnload(m: CatalogModel): void {
    clearTimeout(m.idleTimer);
    m.idleTimer = undefined;
    if (m.state !== "loaded" || m.keepAliveMs < 0) return;
    const unload = () => void this.unload(m.id, "idle", `idle for its keep-alive (${m.keepAliveMs} ms)`).catch(() => {});
    if (m.keepAliveMs === 0) return void unload();
    m.idleTimer = setTimeout(unload, m.keepAliveMs);
    m.idleTimer.unref();
  }

  /** The loaded model, loading it first (once, however many requests wait for it). */
  async ensureLoaded(m: CatalogModel): Promise<LoadedModel> {
    if (m.loaded) return m.loaded;
    if (m.loading) return m.loading;
    await this.#makeRoom(m);
    m.state = "loading";
    m.error = "";
    this.options.onChange();
    m.loading = this.#load(m);
    try {
      return await m.loading;
    } finally {
      m.loading = undefined;
    }
  }

  async #load(m: CatalogModel): Promise<LoadedModel> {
    const started = performance.now();
    this.options.log(`loading model ${m.id} (~${mib(m.memoryBytes)} of a ${mib(this.memoryBudgetBytes)} budget)`);
    try {
      // Checked again: the file may have changed since it was announced, and a bad one kills the process.
      await validateGguf(m.path);
      let logged = 0;
      const loaded = await loadModel(this.llama, m.id, m.path, {
        contextSize: m.contextWindow,
        slots: m.slotsTotal,
        threads: this.options.threads,
        embeddings: m.embeddingDimensions > 0,
        onProgress: (p) => {
          if (p >= logged + 0.25 && p < 1) {
            logged = p;
            this.options.log(`loading model ${m.id}: ${Math.round(p * 100)}%`);
          }
        },
      });
      m.loaded = loaded;
      m.contextWindow = loaded.contextWindow;
      m.state = "loaded";
      this.options.log(`loaded model ${m.id} in ${Math.round(performance.now() - started)} ms`);
      this.options.onLoadEvent?.(m.id, "load", "request");
      if (m.reserved === 0) this.#scheduleIdleUnload(m);
      return loaded;
    } catch (err) {
      m.state = "failed";
      m.error = (err as Error).message;
      this.options.log(`could not load model ${m.id}: ${m.error}`);
      this.options.onLoadEvent?.(m.id, "load_failed", "error");
      throw new ModelError(500, "model_load_failed", `The model '${m.id}' could not be loaded on this worker: ${m.error}`);
    } finally {
      this.options.onChange();
    }
  }

  /** Evicts least recently used idle models until `m` fits the budget, or says why it cannot. */
  async #makeRoom(m: CatalogModel): Promise<void> {
    const budget = this.memoryBudgetBytes;
    if (m.memoryBytes > budget)
      throw new ModelError(507, "insufficient_memory", `The model '${m.id}' needs about ${mib(m.memoryBytes)}; this worker's memory budget is ${mib(budget)}.`);
    while (this.usedMemoryBytes() + m.memoryBytes > budget) {
      const victim = this.models()
        .filter((o) => o !== m && o.state === "loaded" && o.reserved === 0)
        .sort((a, b) => a.lastUsedUnixMs - b.lastUsedUnixMs)[0];
      if (!victim)
        throw new ModelError(
          503,
          "insufficient_memory",
          `The model '${m.id}' needs about ${mib(m.memoryBytes)}, and the models generating now leave ${mib(budget - this.usedMemoryBytes())} of ${mib(budget)}.`,
        );
      await this.unload(victim.id, "evicted", `evicted for ${m.id} (memory budget)`);
    }
  }

  /** Unloads an idle model. A model with reserved slots is never unloaded under a generation. */
  async unload(id: string, cause: UnloadCause, detail: string = cause): Promise<void> {
    const m = this.#models.get(id);
    if (!m) throw new ModelError(404, "model_not_found", `The model '${id}' is not served by this worker.`);
    if (m.loading) await m.loading.catch(() => {});
    if (!m.loaded) return;
    if (m.reserved > 0) throw new ModelError(409, "model_busy", `The model '${id}' is generating; it is unloaded once idle.`);
    clearTimeout(m.idleTimer);
    m.idleTimer = undefined;
    const loaded = m.loaded;
    m.loaded = undefined;
    m.state = "available";
    this.options.onChange();
    await loaded.dispose();
    this.options.log(`unloaded model ${id}: ${detail}`);
    this.options.onLoadEvent?.(id, "unload", cause);
  }

  /** Loads a model without a request (the admin API); it then idles out like any other. */
  async load(id: string): Promise<void> {
    const m = this.#models.get(id);
    if (!m) throw new ModelError(404, "model_not_found", `The model '${id}' is not served by this worker.`);
    m.lastUsedUnixMs = Date.now();
    await this.ensureLoaded(m);
  }

  /** Folds one finished generation into the model's measured speed. */
  recordSpeed(m: CatalogModel, tokens: number, ms: number): void {
    if (tokens < 4 || ms <= 0) return;
    const tps = (tokens * 1000) / ms;
    m.tokensPerSecond = m.tokensPerSecond === 0 ? tps : 0.8 * m.tokensPerSecond + 0.2 * tps;
  }

  async dispose(): Promise<void> {
    for (const m of this.#models.values()) {
      clearTimeout(m.idleTimer);
      if (m.loading) await m.loading.catch(() => {});
      await m.loaded?.dispose();
      m.loaded = undefined;
    }
    await this.llama.dispose();
  }
}
