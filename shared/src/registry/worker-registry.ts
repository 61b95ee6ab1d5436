/**
 * @module The gateway's live view of the workers. Statuses come from the workers bucket
 * (read once on start, then watched) and from the workers' status subject (every change);
 * the newest per worker wins (status_seq). A worker whose last status is older than the ttl
 * is forgotten (a bucket's max_age expiry sends no event), and so, until it speaks again, is
 * one the dispatcher found dead.
 */
import type { Bus, KvWatch } from "../bus/bus.ts";
import type { Subjects } from "../bus/subjects.ts";
import { decodeWorkerStatus, type WorkerStatus } from "../codec/chat-codec.ts";

export interface LiveModel {
  id: string;
  contextWindow: number;
  /** Longest reply (models.json); 0: up to the context window. */
  maxOutputTokens: number;
  ownedBy: string;
  /** Workers currently serving it. */
  workers: number;
  createdUnixMs: number;
  /** What any of its workers serves with it ("chat", "completions", "tools", "json_schema", "embeddings"). */
  capabilities: string[];
  /** Length of its embedding vectors (0: no worker embeds with it). */
  embeddingDimensions: number;
}

export interface WorkerRegistryOptions {
  ttlMs: number;
  log?: (message: string) => void;
}

export class WorkerRegistry {
  #workers = new Map<string, WorkerStatus>();
  #everSeen = new Set<string>();
  #watch: KvWatch | undefined;
  #stopped = false;
  #firstSync: Promise<void>;
  #markSynced: () => void = () => {};
  #listeners = new Set<(workerId: string) => void>();
  /** Workers found dead, with the status_seq they had then: ignored until a newer status. */
  #suspect = new Map<string, number>();
  #statusSub: { unsubscribe(): void } | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly options: WorkerRegistryOptions,
  ) {
    this.#firstSync = new Promise((resolve) => {
      this.#markSynced = resolve;
    });
  }

  /** Watches in the background, re-watching after a lost connection, until stop(). */
  start(): void {
    void this.#loop();
  }

  /**
   * For a runtime without a long-lived process (Workers): the statuses it is given (cached
   * from an earlier request) or else the bucket read once, then the status subject followed for
   * as long as this registry lives (one request). Never throws: an empty registry sends
   * requests down the queue-group path, which answers 503 if nobody is there.
   */
  async snapshot(cached: readonly WorkerStatus[] | undefined): Promise<void> {
    try {
      this.#statusSub ??= this.bus.subscribe(this.subjects.statusAll, (msg) => this.#onEntry(statusKey(msg.subject), msg.data));
      if (cached) for (const status of cached) this.#accept(status);
      else {
        const kv = await this.bus.kv(this.subjects.workersBucket, { ttlMs: this.options.ttlMs });
        for (const entry of await kv.entries()) this.#onEntry(entry.key, entry.value);
      }
    } catch (err) {
      this.options.log?.(`worker registry: ${(err as Error).message}`);
    }
    this.#markSynced();
  }

  /** Resolves once the first watch delivered the bucket's current entries (or never, if NATS stays down). */
  synced(): Promise<void> {
    return this.#firstSync;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.bus.ready();
        // Core subscriptions survive reconnects; made once.
        this.#statusSub ??= this.bus.subscribe(this.subjects.statusAll, (msg) => this.#onEntry(statusKey(msg.subject), msg.data));
        const kv = await this.bus.kv(this.subjects.workersBucket, { ttlMs: this.options.ttlMs });
        this.#watch = await kv.watch((entry) => this.#onEntry(entry.key, entry.value));
        // KV watches deliver the initial values promptly; give them a moment before claiming sync.
        setTimeout(this.#markSynced, 50);
        await this.#watch.ended;
      } catch (err) {
        this.options.log?.(`worker registry: ${(err as Error).message}`);
      }
      if (!this.#stopped) await new Promise((r) => setTimeout(r, 500));
    }
  }

  #onEntry(key: string, value: Uint8Array | null): void {
    if (value === null) {
      this.#workers.delete(key);
      this.#suspect.delete(key);
      this.#emit(key);
      return;
    }
    try {
      this.#accept(decodeWorkerStatus(value));
    } catch (err) {
      this.options.log?.(`worker registry: ignoring entry ${key}: ${(err as Error).message}`);
    }
  }

  #accept(status: WorkerStatus): void {
    const known = this.#workers.get(status.workerId);
    // The same process's older status (the bucket and the subject race): keep the newer.
    if (known && known.startedUnixMs === status.startedUnixMs && known.statusSeq >= status.statusSeq) return;
    this.#workers.set(status.workerId, status);
    const suspectAt = this.#suspect.get(status.workerId);
    if (suspectAt !== undefined && (status.statusSeq > suspectAt || status.startedUnixMs !== known?.startedUnixMs)) this.#suspect.delete(status.workerId);
    for (const m of status.models) this.#everSeen.add(m.id);
    this.#emit(status.workerId);
  }

  #emit(workerId: string): void {
    for (const listener of this.#listeners) listener(workerId);
  }

  /** Called with a worker's id whenever its status changes or it goes away. */
  onChange(listener: (workerId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The dispatcher found this worker dead (no responders): leave it out until it announces again. */
  forget(workerId: string): void {
    const status = this.#workers.get(workerId);
    if (!status) return;
    this.#suspect.set(workerId, status.statusSeq);
    this.#emit(workerId);
  }

  worker(workerId: string): WorkerStatus | undefined {
    return this.workers().find((w) => w.workerId === workerId);
  }

  /** Workers whose status is fresher than the ttl. */
  workers(now = Date.now()): WorkerStatus[] {
    const live: WorkerStatus[] = [];
    for (const [id, status] of this.#workers) {
      if (now - status.updatedUnixMs > this.options.ttlMs) this.#workers.delete(id);
      else if (!this.#suspect.has(id)) live.push(status);
    }
    return live;
  }

  /** Live models of one kind of worker: "llm" models or "tts" voices. */
  models(kind = "llm", now = Date.now()): LiveModel[] {
    const byId = new Map<string, LiveModel>();
    for (const w of this.workers(now)) {
      if ((w.kind || "llm") !== kind) continue;
      for (const m of w.models) {
        if (m.state === "failed") continue;
        const seen = byId.get(m.id);
        if (seen) {
          seen.workers += 1;
          for (const c of m.capabilities) if (!seen.capabilities.includes(c)) seen.capabilities.push(c);
          seen.embeddingDimensions ||= m.embeddingDimensions;
        } else
          byId.set(m.id, {
            id: m.id,
            contextWindow: m.contextWindow,
            maxOutputTokens: m.maxOutputTokens,
            ownedBy: m.ownedBy || "switchyard",
            workers: 1,
            createdUnixMs: w.startedUnixMs,
            capabilities: [...m.capabilities],
            embeddingDimensions: m.embeddingDimensions,
          });
      }
    }
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  model(id: string, kind = "llm"): LiveModel | undefined {
    return this.models(kind).find((m) => m.id === id);
  }

  /** True for a model some worker served since this gateway started: its absence is a 503, not a 404. */
  hasSeen(id: string): boolean {
    return this.#everSeen.has(id);
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
    this.#statusSub?.unsubscribe();
  }
}

/** The worker id is the status subject's last token. */
const statusKey = (subject: string): string => subject.slice(subject.lastIndexOf(".") + 1);
