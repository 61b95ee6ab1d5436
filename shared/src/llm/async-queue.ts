/** @module A push-to-pull queue: bus callbacks push, one async consumer pulls with a timeout. */

export class AsyncQueue<T> {
  #items: T[] = [];
  #waiter: ((item: T | typeof TIMEOUT) => void) | undefined;

  push(item: T): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(item);
    } else this.#items.push(item);
  }

  /** The next item if one is already queued, without waiting. */
  tryShift(): T | undefined {
    return this.#items.shift();
  }

  /** Next item, or TIMEOUT when none arrives within timeoutMs. */
  next(timeoutMs: number): Promise<T | typeof TIMEOUT> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(TIMEOUT);
      }, timeoutMs);
      this.#waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
    });
  }
}

export const TIMEOUT: unique symbol = Symbol("timeout");
