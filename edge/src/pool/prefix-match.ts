/**
 * @module How much of a request's conversation a worker holds in its slots' KV caches: the
 * request's prefix hashes (shared/src/llm/prefix-hash.ts) against those the worker announced.
 */

export interface RequestPrefix {
  hashes: number[];
  /** Characters of content through each boundary. */
  weights: number[];
}

/**
 * Characters of the request's longest message prefix that one of a worker's slots holds.
 * The set of a status's hashes is built once per status (statuses are replaced, never
 * changed, so the array is the key): queued requests are matched again on every pump.
 */
export class PrefixIndex {
  readonly #held = new WeakMap<ReadonlyArray<{ hashes: number[] }>, Set<number>>();

  cachedChars(slots: ReadonlyArray<{ hashes: number[] }>, prefix: RequestPrefix): number {
    if (slots.length === 0) return 0;
    let held = this.#held.get(slots);
    if (!held) {
      held = new Set<number>();
      for (const s of slots) for (const h of s.hashes) held.add(h);
      this.#held.set(slots, held);
    }
    for (let i = prefix.hashes.length - 1; i >= 0; i--) if (held.has(prefix.hashes[i]!)) return prefix.weights[i] ?? 0;
    return 0;
  }
}
