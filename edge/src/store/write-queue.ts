/**
 * @module Writes that must not be lost when the database goes away mid-request (usage rows,
 * conversation messages): each is tried at once, then retried with backoff until it lands.
 * Nothing is dropped silently: the backlog shows in /ready, every failure is logged, and
 * whatever is still pending at shutdown is logged in full.
 */
import { unref } from "@switchyard/shared/timers";
import type { Logger } from "@switchyard/shared/log";

/** A write that hangs (a half-dead connection) counts as failed and is retried. */
const ATTEMPT_TIMEOUT_MS = 10_000;

function withTimeout(run: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    run(),
    new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ATTEMPT_TIMEOUT_MS} ms`)), ATTEMPT_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface PendingWrite {
  label: string;
  run: () => Promise<void>;
  attempts: number;
}

export interface WriteQueueOptions {
  log: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Past this many pending writes new ones are refused and logged as lost. */
  maxPending?: number;
}

export class WriteQueue {
  #pending: PendingWrite[] = [];
  #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #backoffMs: number;
  #lost = 0;
  #retrying = false;

  constructor(private readonly options: WriteQueueOptions) {
    this.#backoffMs = options.minBackoffMs ?? 100;
  }

  #beforeDrain: Array<() => void> = [];

  /** Batchers hand over what they hold before a drain. */
  beforeDrain(hook: () => void): void {
    this.#beforeDrain.push(hook);
  }

  /** Writes waiting for the database. */
  get backlog(): number {
    return this.#pending.length;
  }

  /** Writes refused because the backlog was full (each was logged). */
  get lost(): number {
    return this.#lost;
  }

  /**
   * Resolves once the first attempt has settled: true if the write landed, false if it waits
   * for a retry (a caller that needs the row readable at once can tell).
   */
  enqueue(label: string, run: () => Promise<void>): Promise<boolean> {
    const write: PendingWrite = { label, run, attempts: 0 };
    if (this.#pending.length > 0) {
      this.#park(write);
      return Promise.resolve(false);
    }
    const attempt = this.#attempt(write);
    const settled = attempt.then(() => undefined).finally(() => this.#inFlight.delete(settled));
    this.#inFlight.add(settled);
    return attempt;
  }

  async #attempt(write: PendingWrite): Promise<boolean> {
    try {
      write.attempts += 1;
      await withTimeout(write.run);
      return true;
    } catch (err) {
      this.options.log.warn(`write ${write.label} failed (attempt ${write.attempts}), will retry: ${(err as Error).message}`);
      this.#park(write);
      return false;
    }
  }

  #park(write: PendingWrite): void {
    if (this.#pending.length >= (this.options.maxPending ?? 100_000)) {
      this.#lost += 1;
      this.options.log.error(`write ${write.label} LOST: backlog full (${this.#pending.length} pending)`);
      return;
    }
    this.#pending.push(write);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.#retry(), this.#backoffMs);
    unref(this.#timer);
  }

  async #retry(): Promise<void> {
    this.#timer = undefined;
    // One retry loop at a time, or a write could land twice.
    if (this.#retrying) return;
    this.#retrying = true;
    try {
      await this.#retryLoop();
    } finally {
      this.#retrying = false;
    }
  }

  async #retryLoop(): Promise<void> {
    while (this.#pending.length > 0) {
      const write = this.#pending[0]!;
      try {
        write.attempts += 1;
        await withTimeout(write.run);
        this.#pending.shift();
        this.#backoffMs = this.options.minBackoffMs ?? 100;
      } catch (err) {
        this.#backoffMs = Math.min(this.#backoffMs * 2, this.options.maxBackoffMs ?? 5_000);
        if (write.attempts % 10 === 0) this.options.log.warn(`write ${write.label} still failing after ${write.attempts} attempts: ${(err as Error).message}`);
        this.#schedule();
        return;
      }
    }
    if (this.#pending.length > 0) this.#schedule();
  }

  /** Waits until everything landed, or the timeout; returns how many writes are still pending. */
  async drain(timeoutMs: number): Promise<number> {
    for (const hook of this.#beforeDrain) hook();
    const until = Date.now() + timeoutMs;
    while ((this.#pending.length > 0 || this.#inFlight.size > 0) && Date.now() < until) {
      // A real timer every turn: retries are timers too, and must get their chance to run.
      const tick = new Promise((r) => setTimeout(r, 20));
      await (this.#inFlight.size > 0 ? Promise.race([Promise.allSettled([...this.#inFlight]), tick]) : tick);
      if (this.#pending.length > 0 && !this.#timer && !this.#retrying) await this.#retry();
    }
    return this.#pending.length;
  }

  /** At shutdown: what could not be written is reported, never dropped without a word. */
  reportUnwritten(): void {
    for (const w of this.#pending) this.options.log.error(`write ${w.label} NOT WRITTEN at shutdown after ${w.attempts} attempts`);
    clearTimeout(this.#timer);
  }
}
