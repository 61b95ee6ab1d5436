/** @module A fixed set of slots (context sequences): first come, first served, or the best match for a request. */

export class SlotPool<T> {
  #free: T[];
  #waiters: Array<(slot: T) => void> = [];

  constructor(private readonly slots: readonly T[]) {
    this.#free = [...slots];
  }

  get total(): number {
    return this.slots.length;
  }

  get busy(): number {
    return this.slots.length - this.#free.length;
  }

  get queued(): number {
    return this.#waiters.length;
  }

  /** Waits for a free slot; an aborted signal withdraws from the queue. */
  acquire(signal?: AbortSignal): Promise<T> {
    const slot = this.#free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise<T>((resolve, reject) => {
      const waiter = (s: T) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(s);
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal?.reason ?? new Error("aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Takes the free slot that scores highest; among equals, the one free the longest, so a
   * request that matches no slot takes the least recently used. Waits like acquire() when
   * none is free.
   */
  acquireBest(score: (slot: T) => number, signal?: AbortSignal): Promise<T> {
    if (this.#free.length === 0) return this.acquire(signal);
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    this.#free.forEach((slot, i) => {
      const s = score(slot);
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    });
    const [slot] = this.#free.splice(best, 1);
    return Promise.resolve(slot as T);
  }

  release(slot: T): void {
    const next = this.#waiters.shift();
    if (next) next(slot);
    else this.#free.push(slot);
  }
}
