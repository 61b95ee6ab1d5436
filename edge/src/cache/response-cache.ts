/**
 * @module The exact response cache: completed calls' events under their key, in Postgres
 * (shared by every gateway on the database) behind an in-memory LRU. Best effort by design: a
 * database that fails or is slow is logged and the request goes upstream as if it had missed,
 * never an error. Expired entries are never served (the read filters them) and are deleted by
 * a sweep that cache traffic triggers at most once per interval, so it needs no timer (a
 * Workers gateway lives for one request) and the table holds little more than live entries.
 */
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { Logger } from "@switchyard/shared/log";
import type { Store } from "../store/store.ts";
import type { CacheMemory } from "./cache-memory.ts";
import { isCompleteCall, parseCachedEvents } from "./cached-events.ts";

/** An answer larger than this is not cached: one long generation must not crowd out the rest. */
export const MAX_ENTRY_BYTES = 1024 * 1024;
/** A lookup that takes longer goes upstream instead: the cache must never make a request slower by much. */
const LOOKUP_TIMEOUT_MS = 2_000;

export interface CachedAnswer {
  /** provider:upstream-model that answered originally. */
  target: string;
  events: ChatEvent[];
}

export interface ResponseCacheOptions {
  sweepIntervalMs: number;
  log: Logger;
  /** Marks background work (a write, a sweep) that a stopping gateway waits for. */
  track: () => () => void;
}

export class ResponseCache {
  constructor(
    private readonly store: Store,
    private readonly memory: CacheMemory,
    private readonly options: ResponseCacheOptions,
  ) {}

  /** The live entry under `key` in `namespace`: from memory, else the database (then kept in memory). */
  async get(key: string, namespace: string, log: Logger, nowMs = Date.now()): Promise<CachedAnswer | undefined> {
    const inMemory = this.memory.get(key, namespace, nowMs);
    if (inMemory) return { target: inMemory.target, events: inMemory.events };
    this.#sweepIfDue(nowMs);
    let row: Awaited<ReturnType<Store["getCached"]>>;
    try {
      row = await withTimeout(this.store.getCached(key, namespace, new Date(nowMs)), LOOKUP_TIMEOUT_MS);
    } catch (err) {
      log.warn(`response cache lookup failed, answering without it: ${message(err)}`);
      return undefined;
    }
    if (!row) return undefined;
    const events = parseCachedEvents(row.events);
    if (!events) {
      log.warn(`response cache entry ${key.slice(0, 12)}… is not a completed call's events; ignored`);
      return undefined;
    }
    this.memory.set(key, { namespace, target: row.target, events, bytes: row.bytes, expiresAtMs: row.expiresAt.getTime() });
    return { target: row.target, events };
  }

  /** Keeps a completed call's events for ttlSeconds; the database write runs in the background. */
  put(key: string, namespace: string, answer: CachedAnswer, ttlSeconds: number, log: Logger, nowMs = Date.now()): void {
    if (!isCompleteCall(answer.events)) return;
    const bytes = new TextEncoder().encode(JSON.stringify(answer.events)).length;
    if (bytes > MAX_ENTRY_BYTES) return;
    const expiresAtMs = nowMs + Math.round(ttlSeconds * 1000);
    this.memory.set(key, { namespace, target: answer.target, events: answer.events, bytes, expiresAtMs });
    this.#background(
      this.store.putCached({ key, namespace, target: answer.target, events: answer.events, bytes, expiresAt: new Date(expiresAtMs) }),
      (err) => log.warn(`response cache write failed (the answer was served; it is not cached): ${message(err)}`),
    );
    this.#sweepIfDue(nowMs);
  }

  #sweepIfDue(nowMs: number): void {
    if (nowMs - this.memory.lastSweepAt < this.options.sweepIntervalMs) return;
    this.memory.lastSweepAt = nowMs;
    this.memory.prune(nowMs);
    const { log } = this.options;
    this.#background(
      this.store.sweepCache(new Date(nowMs)).then((n) => {
        if (n > 0) log.info(`response cache: swept ${n} expired ${n === 1 ? "entry" : "entries"}`);
      }),
      (err) => log.warn(`response cache sweep failed: ${message(err)}`),
    );
  }

  #background(work: Promise<unknown>, onError: (err: unknown) => void): void {
    const done = this.options.track();
    work.catch(onError).finally(done);
  }
}

/** drizzle's own message repeats the statement and its parameters (a whole answer, for a write): the driver's says what failed. */
function message(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 300);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  // A late answer is dropped; its rejection must not go unhandled.
  work.catch(() => {});
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
