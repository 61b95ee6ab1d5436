/**
 * @module The gateway's live view of the workers: it watches the workers bucket and forgets
 * a worker whose last status is older than the ttl (a bucket's max_age expiry sends no event).
 */
import type { Bus, KvWatch } from "../bus/bus.ts";
import type { Subjects } from "../bus/subjects.ts";
import { decodeWorkerStatus, type WorkerStatus } from "../codec/chat-codec.ts";

export interface LiveModel {
  id: string;
  contextWindow: number;
  ownedBy: string;
  /** Workers currently serving it. */
  workers: number;
  createdUnixMs: number;
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

  /** Resolves once the first watch delivered the bucket's current entries (or never, if NATS stays down). */
  synced(): Promise<void> {
    return this.#firstSync;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.bus.ready();
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
      return;
    }
    try {
      const status = decodeWorkerStatus(value);
      this.#workers.set(key, status);
      for (const m of status.models) this.#everSeen.add(m.id);
    } catch (err) {
      this.options.log?.(`worker registry: ignoring entry ${key}: ${(err as Error).message}`);
    }
  }

  /** Workers whose status is fresher than the ttl. */
  workers(now = Date.now()): WorkerStatus[] {
    const live: WorkerStatus[] = [];
    for (const [id, status] of this.#workers) {
      if (now - status.updatedUnixMs <= this.options.ttlMs) live.push(status);
      else this.#workers.delete(id);
    }
    return live;
  }

  /** Live models of one kind of worker: "llm" models or "tts" voices. */
  models(kind = "llm", now = Date.now()): LiveModel[] {
    const byId = new Map<string, LiveModel>();
    for (const w of this.workers(now)) {
      if ((w.kind || "llm") !== kind) continue;
      for (const m of w.models) {
        const seen = byId.get(m.id);
        if (seen) seen.workers += 1;
        else
          byId.set(m.id, {
            id: m.id,
            contextWindow: m.contextWindow,
            ownedBy: m.ownedBy || "switchyard",
            workers: 1,
            createdUnixMs: w.startedUnixMs,
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
  }
}
