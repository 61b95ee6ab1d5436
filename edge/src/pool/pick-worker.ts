/**
 * @module Which worker a request goes to. Only workers with a free slot for the model are
 * candidates. least-loaded prefers the most free slots, then a worker that has the model in
 * memory already (no load to wait for), then the fastest measured generation; ties rotate,
 * so equal workers share the work. round-robin rotates over every worker with a free slot.
 *
 * prefix (the default) is least-loaded with cache affinity: the worker whose slots hold the
 * longest prefix of the request's messages (see prefix-hash.ts) gets it, as long as that
 * worker is not busier than the least busy candidate by more than half its slots; otherwise,
 * and when nothing matches, least-loaded decides. A hot prefix thus fills its worker up to
 * that bound, then spills over, instead of queueing behind it.
 */

export type DispatchMode = "prefix" | "least-loaded" | "round-robin" | "queue-group";
export const DISPATCH_MODES = ["prefix", "least-loaded", "round-robin", "queue-group"] as const;

/** A match shorter than this (characters of content) is not worth steering for. */
export const MIN_PREFIX_CHARS = 64;

export interface Candidate {
  workerId: string;
  /** loaded > loading > available: what the request would wait for before its first token. */
  state: string;
  free: number;
  busy: number;
  tokensPerSecond: number;
  /** Characters of the request's messages this worker holds in a slot's cache (0: none). */
  cachedChars: number;
}

const STATE_RANK: Record<string, number> = { loaded: 0, loading: 1, available: 2 };

/** `turn` rises with every pick, to rotate among equals. */
export function pickWorker<C extends Candidate>(candidates: readonly C[], mode: DispatchMode, turn: number): C | undefined {
  const open = candidates.filter((c) => c.free > 0).sort((a, b) => a.workerId.localeCompare(b.workerId));
  if (open.length === 0) return undefined;
  if (mode === "round-robin" || mode === "queue-group") return open[turn % open.length];
  if (mode === "prefix") {
    const hit = open.reduce((x, y) => (y.cachedChars > x.cachedChars || (y.cachedChars === x.cachedChars && y.free > x.free) ? y : x));
    const leastBusy = Math.min(...open.map((c) => c.busy));
    const bound = Math.max(1, Math.floor((hit.busy + hit.free) / 2));
    if (hit.cachedChars >= MIN_PREFIX_CHARS && hit.busy - leastBusy <= bound) return hit;
  }
  const rank = (c: C) => STATE_RANK[c.state] ?? 3;
  const better = (a: C, b: C) => b.free - a.free || rank(a) - rank(b) || fasterBy(a, b);
  const best = open.reduce((x, y) => (better(y, x) < 0 ? y : x));
  const ties = open.filter((c) => better(c, best) === 0);
  return ties[turn % ties.length];
}

/** Speeds within 10% of each other count as equal: measurements drift. */
function fasterBy(a: Candidate, b: Candidate): number {
  const hi = Math.max(a.tokensPerSecond, b.tokensPerSecond);
  if (hi === 0 || Math.abs(a.tokensPerSecond - b.tokensPerSecond) <= 0.1 * hi) return 0;
  return b.tokensPerSecond - a.tokensPerSecond;
}

/**
 * Seconds a client should wait before trying again: the requests ahead of it (and itself),
 * served by the pool's slots at the service time measured on this gateway. At least 1.
 */
export function retryAfterSeconds(ahead: number, serviceMs: number, slots: number): number {
  return Math.max(1, Math.ceil(((ahead + 1) * serviceMs) / Math.max(1, slots) / 1000));
}
