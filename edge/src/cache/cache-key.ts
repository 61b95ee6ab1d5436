/**
 * @module The response cache's key: SHA-256 (WebCrypto, so it runs on Workers too) of the
 * canonical JSON of the namespace, the route's first target and the request as that target
 * would get it (its parameter defaults applied). Everything in the request counts except what
 * only shapes the delivery (stream, include_usage, whether bytes may pass through), names the route rather than the model that
 * answers (the requested name), or keeps a local model loaded (keep_alive): a field added to
 * the request later is part of the key unless it is left out here.
 */
import type { NormalizedChatRequest } from "../chat/normalized.ts";
import type { Target } from "../routing/resolve-target.ts";
import { withDefaults } from "../routing/run-chain.ts";
import { canonicalJson } from "./canonical-json.ts";

/** Changes when what an entry holds changes, so old entries are never read as new ones. */
const KEY_VERSION = 1;

/** Whose entries a request may read: its API key's, open mode's, or everyone's on a shared route. */
export function cacheNamespace(keyId: string | null, shared: boolean): string {
  if (shared) return "shared";
  return keyId === null ? "open" : `key:${keyId}`;
}

export async function cacheKey(namespace: string, target: Target, request: NormalizedChatRequest): Promise<string> {
  const { stream: _stream, includeUsage: _usage, keepAliveMs: _keepAlive, schemaParams: _params, model: _model, wire: _wire, ...asked } = withDefaults(request, target.params);
  const text = canonicalJson({ v: KEY_VERSION, namespace, provider: target.provider.name, model: target.upstreamModel, request: asked });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
