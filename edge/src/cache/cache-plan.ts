/**
 * @module What the response cache does for one chat request: nothing (its route has no
 * cache), bypass (cache-control: no-cache reads nothing, no-store also writes nothing; a
 * conversation turn is never cached, its history lives on the gateway), or look it up and
 * answer a hit, or write the answer of a miss once it completes.
 */
import type { Logger } from "@switchyard/shared/log";
import type { NormalizedChatRequest } from "../chat/normalized.ts";
import type { ModelRouter, Target } from "../routing/resolve-target.ts";
import { cacheKey, cacheNamespace } from "./cache-key.ts";
import type { CachedAnswer, ResponseCache } from "./response-cache.ts";

export type CacheStatus = "hit" | "miss" | "bypass";

export interface CachePlan {
  /** The x-switchyard-cache header. */
  status: CacheStatus;
  /** Set on a hit, with the route's first target (what the key names). */
  hit?: (CachedAnswer & { route: Target }) | undefined;
  /** Where a completed miss is written; undefined: not written. */
  write?: { key: string; namespace: string; ttlSeconds: number } | undefined;
}

export interface CacheRequest {
  keyId: string | null;
  /** The request's cache-control header. */
  cacheControl: string | undefined;
  /** Part of a stored conversation. */
  conversation: boolean;
}

/** The request's cache-control directives that concern the cache. */
export function cacheDirectives(header: string | undefined): { noCache: boolean; noStore: boolean } {
  const directives = new Set((header ?? "").split(",").map((d) => d.trim().toLowerCase()));
  return { noCache: directives.has("no-cache"), noStore: directives.has("no-store") };
}

/** Undefined when the route has no cache (and then no header is sent). */
export async function planCache(router: ModelRouter, cache: ResponseCache, request: NormalizedChatRequest, asked: CacheRequest, log: Logger): Promise<CachePlan | undefined> {
  const settings = router.cacheFor(request.model);
  if (!settings) return undefined;
  const { noCache, noStore } = cacheDirectives(asked.cacheControl);
  if (asked.conversation || noStore) return { status: "bypass" };
  let target: Target | undefined;
  try {
    target = router.resolve(request.model)[0];
  } catch {
    // The route itself is broken (an alias loop): the normal path reports it.
    return undefined;
  }
  if (!target) return undefined;
  const namespace = cacheNamespace(asked.keyId, settings.shared);
  const write = { key: await cacheKey(namespace, target, request), namespace, ttlSeconds: settings.ttlSeconds };
  if (noCache) return { status: "bypass", write };
  const hit = await cache.get(write.key, namespace, log);
  return hit ? { status: "hit", hit: { ...hit, route: target } } : { status: "miss", write };
}
