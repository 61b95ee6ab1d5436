/**
 * @module The response cache's in-memory front: a least-recently-used map bounded by entries
 * and bytes. Plain data (no connection, no timer), so a Workers isolate keeps one across its
 * requests, each with a gateway of its own, as a Node gateway keeps its own.
 */
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";

export interface MemoryEntry {
  namespace: string;
  target: string;
  events: ChatEvent[];
  bytes: number;
  expiresAtMs: number;
}

export interface MemoryLimits {
  maxEntries: number;
  maxBytes: number;
}

export const DEFAULT_MEMORY_LIMITS: MemoryLimits = { maxEntries: 1_000, maxBytes: 16 * 1024 * 1024 };

export class CacheMemory {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  readonly #entries = new Map<string, MemoryEntry>();
  #bytes = 0;
  #limits: MemoryLimits = DEFAULT_MEMORY_LIMITS;
  /** When a gateway using this memory last swept the table (ms since the epoch). */
  lastSweepAt = 0;

  /** The gateway's settings (a Workers isolate's memory outlives the gateway that sets them). */
  setLimits(limits: MemoryLimits): void {
    this.#limits = limits;
    this.#evict();
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The live entry under `key` in `namespace`; an expired one is dropped, never returned. */
  get(key: string, namespace: string, nowMs: number): MemoryEntry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.#delete(key, entry);
      return undefined;
    }
    if (entry.namespace !== namespace) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: MemoryEntry): void {
    const old = this.#entries.get(key);
    if (old) this.#delete(key, old);
    // One answer larger than the whole budget would only empty the map.
    if (entry.bytes > this.#limits.maxBytes || this.#limits.maxEntries === 0) return;
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    this.#evict();
  }

  /** Drops every expired entry. */
  prune(nowMs: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAtMs <= nowMs) this.#delete(key, entry);
  }

  #evict(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#limits.maxEntries && this.#bytes <= this.#limits.maxBytes) return;
      this.#delete(key, entry);
    }
  }

  #delete(key: string, entry: MemoryEntry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
