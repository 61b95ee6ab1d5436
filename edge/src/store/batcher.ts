/**
 * @module Collects small writes (usage rows, token spends) and hands them to the WriteQueue as
 * one batch every second (or every 500 items): one insert per batch instead of one per request (a PGlite
 * insert costs ~2.5 ms of the gateway's CPU, measured in bench:proxy).
 */
import { unref } from "@switchyard/shared/timers";
import type { WriteQueue } from "./write-queue.ts";

export class Batcher<T> {
  #items: T[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly writes: WriteQueue,
    private readonly label: string,
    private readonly flush: (items: T[]) => Promise<void>,
    // A second apart: one insert per second under load, whatever the request rate (PGlite runs it in its worker thread, Postgres on the pool).
    private readonly options: { maxItems: number; maxDelayMs: number } = { maxItems: 500, maxDelayMs: 1_000 },
  ) {
    writes.beforeDrain(() => this.flushNow());
  }

  add(item: T): void {
    this.#items.push(item);
    if (this.#items.length >= this.options.maxItems) this.flushNow();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => this.flushNow(), this.options.maxDelayMs);
      unref(this.#timer);
    }
  }

  flushNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#items.length === 0) return;
    const batch = this.#items;
    this.#items = [];
    this.writes.enqueue(`${this.label} ×${batch.length}`, () => this.flush(batch));
  }
}
