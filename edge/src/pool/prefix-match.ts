/**
 * @module How much of a request's conversation a worker holds in its slots' KV caches: the
 * request's prefix hashes (shared/src/llm/prefix-hash.ts) against those the worker announced.
 */

export interface RequestPrefix {
  hashes: number[];
  /** Characters of content through each boundary. */
  weights: number[];
}

/** Characters of the request's longest message prefix that one of the worker's slots holds. */
export function cachedChars(slots: ReadonlyArray<{ hashes: number[] }>, prefix: RequestPrefix): number {
  if (slots.length === 0) return 0;
  const held = new Set<number>();
  for (const s of slots) for (const h of s.hashes) held.add(h);
  for (let i = prefix.hashes.length - 1; i >= 0; i--) if (held.has(prefix.hashes[i]!)) return prefix.weights[i] ?? 0;
  return 0;
}
