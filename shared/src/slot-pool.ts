/** @module A fixed set of slots (context sequences) handed out first come, first served. */

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

  release(slot: T): void {
    const next = this.#waiters.shift();
    if (next) next(slot);
    else this.#free.push(slot);
  }
}
