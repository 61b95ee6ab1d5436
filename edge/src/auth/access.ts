/**
 * @module Who is calling: a key (checked against the Store), or nobody in open mode — open
 * only while the gateway binds loopback alone and no active key exists, like Ollama.
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { ApiKey, Store } from "../store/store.ts";
import { constantTimeEqual, type KeyHasher, looksLikeApiKey } from "./api-key.ts";

export interface Caller {
  /** Null in open mode. */
  key: ApiKey | null;
}

/** Keys cannot be checked without the database: that is a 503, not a 500 (and not an open door). */
export function databaseUnavailable(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError("The gateway's database is unreachable; try again shortly.", { status: 503, type: "server_error", code: "database_unavailable", cause: err });
}

const unauthorized = (message: string, code: string) => new GatewayError(message, { status: 401, type: "authentication_error", code });

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
export const bindsLoopbackOnly = (host: string): boolean => LOOPBACK.has(host) || host.startsWith("127.");

/** How long a checked key is trusted without asking the database again (revocations on another gateway take this long). */
const KEY_CACHE_MS = 5_000;

/**
 * What Access remembers between requests: plain data, so a Workers isolate can keep one
 * across requests (each with a gateway of its own) as a Node gateway keeps its own.
 */
export class AccessCache {
  openUntil = 0;
  open = false;
  readonly keys = new Map<string, { key: (ApiKey & { hash: string }) | undefined; until: number }>();
  readonly hashes = new Map<string, string>();
}

export class Access {
  /**
   * Database reads in flight, shared by every request that misses the cache meanwhile: a burst
   * of requests (a thousand streams opened at once) makes one query, not one each. Held here,
   * not in AccessCache: a promise must not cross Workers requests, and a Workers gateway (with
   * its Access) lives for one request.
   */
  #openCheck: Promise<boolean> | undefined;
  readonly #lookups = new Map<string, Promise<(ApiKey & { hash: string }) | undefined>>();
  /** Bumped by invalidate(): a read that started before it does not write its answer back. */
  #generation = 0;

  constructor(
    private readonly store: Store,
    private readonly hasher: KeyHasher,
    private readonly loopbackOnly: boolean,
    private readonly cache: AccessCache = new AccessCache(),
  ) {}

  /** Open mode, re-checked at most once a second (keys made by another gateway count too). */
  async openMode(now = Date.now()): Promise<boolean> {
    if (!this.loopbackOnly) return false;
    if (now < this.cache.openUntil) return this.cache.open;
    if (!this.#openCheck) {
      const check: Promise<boolean> = this.#checkOpen(now).finally(() => {
        if (this.#openCheck === check) this.#openCheck = undefined;
      });
      this.#openCheck = check;
    }
    return this.#openCheck;
  }

  async #checkOpen(now: number): Promise<boolean> {
    const generation = this.#generation;
    const open = !(await this.store.hasActiveKeys());
    if (generation === this.#generation) {
      this.cache.open = open;
      this.cache.openUntil = now + 1_000;
    }
    return open;
  }

  /** A key was created, changed or revoked here: re-check at once. */
  invalidate(): void {
    this.#generation++;
    this.#openCheck = undefined;
    this.#lookups.clear();
    this.cache.openUntil = 0;
    this.cache.keys.clear();
  }

  /** Tokens seen recently skip the HMAC (~90 µs); kept in memory only, like the token itself. */
  async #hashOf(token: string): Promise<string> {
    const known = this.cache.hashes.get(token);
    if (known) return known;
    const hash = await this.hasher.hash(token);
    if (this.cache.hashes.size > 10_000) this.cache.hashes.clear();
    this.cache.hashes.set(token, hash);
    return hash;
  }

  async #lookup(hash: string, now: number): Promise<(ApiKey & { hash: string }) | undefined> {
    const cached = this.cache.keys.get(hash);
    if (cached && now < cached.until) return cached.key;
    const inFlight = this.#lookups.get(hash);
    if (inFlight) return inFlight;
    const read: Promise<(ApiKey & { hash: string }) | undefined> = this.#readKey(hash, now).finally(() => {
      if (this.#lookups.get(hash) === read) this.#lookups.delete(hash);
    });
    this.#lookups.set(hash, read);
    return read;
  }

  async #readKey(hash: string, now: number): Promise<(ApiKey & { hash: string }) | undefined> {
    const generation = this.#generation;
    const key = await this.store.keyByHash(hash);
    if (generation === this.#generation) {
      if (this.cache.keys.size > 10_000) this.cache.keys.clear();
      this.cache.keys.set(hash, { key, until: now + KEY_CACHE_MS });
    }
    return key;
  }

  async identify(token: string | undefined, now = new Date()): Promise<Caller> {
    try {
      return await this.#identify(token, now);
    } catch (err) {
      throw databaseUnavailable(err);
    }
  }

  async #identify(token: string | undefined, now: Date): Promise<Caller> {
    if (!token) {
      if (await this.openMode(now.getTime())) return { key: null };
      throw unauthorized("Missing API key: send it as 'Authorization: Bearer sk-sy-…'.", "missing_api_key");
    }
    if (!looksLikeApiKey(token)) {
      if (await this.openMode(now.getTime())) return { key: null };
      throw unauthorized("Invalid API key.", "invalid_api_key");
    }
    const hash = await this.#hashOf(token);
    const key = await this.#lookup(hash, now.getTime());
    if (!key || !constantTimeEqual(key.hash, hash)) {
      if (await this.openMode(now.getTime())) return { key: null };
      throw unauthorized("Invalid API key.", "invalid_api_key");
    }
    if (key.revokedAt) throw unauthorized("This API key has been revoked.", "revoked_api_key");
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) throw unauthorized("This API key has expired.", "expired_api_key");
    const { hash: _hash, ...rest } = key;
    return { key: rest };
  }
}
