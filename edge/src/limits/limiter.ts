/**
 * @module Per-key limits, enforced through the shared database so they hold across gateways:
 * allowed models (403), requests per minute (counted atomically), tokens per minute, and
 * token budgets per UTC day and month (429 with retry-after and x-ratelimit-* headers).
 */
import { GatewayError } from "@switchyard/shared/errors";
import { databaseUnavailable } from "../auth/access.ts";
import { modelAllowed } from "../auth/model-glob.ts";
import type { ApiKey, Store, TokenSpend } from "../store/store.ts";
import { Batcher } from "../store/batcher.ts";
import type { WriteQueue } from "../store/write-queue.ts";

export interface Admission {
  /** x-ratelimit-* headers for the response. */
  headers: Record<string, string>;
  /** Books the tokens the request used. */
  spend(tokens: number): void;
}

const OPEN: Admission = { headers: {}, spend() {} };

export const minuteStart = (now: Date): Date => new Date(Math.floor(now.getTime() / 60_000) * 60_000);
const dayKey = (now: Date) => `d:${now.toISOString().slice(0, 10)}`;
const monthKey = (now: Date) => `m:${now.toISOString().slice(0, 7)}`;
const secondsUntil = (t: number, now: Date) => Math.max(1, Math.ceil((t - now.getTime()) / 1000));

function tooMany(message: string, code: string, retryAfter: number, headers: Record<string, string>): GatewayError {
  return new GatewayError(message, { status: 429, type: "rate_limit_error", code, headers: { ...headers, "retry-after": String(retryAfter) } });
}

/** Requests taken from the database at a time: at most 5% of the limit, so gateways sharing a key overshoot by little. */
const leaseSize = (rpm: number) => Math.max(1, Math.min(100, Math.floor(rpm / 20)));
/** How long a key's token counts are trusted before the database is asked again. */
const TOKENS_SNAPSHOT_MS = 1_000;

interface RequestLease {
  windowMs: number;
  remaining: number;
  /** The window's count in the database when the lease was taken (all of the lease included). */
  countAtLease: number;
  /**
   * The database refused even one request at this limit: the window is full until it ends
   * (counts only grow within a window), so the key's next requests are refused without asking.
   */
  fullAt?: number;
}

interface TokensSnapshot {
  windowMs: number;
  day: string;
  month: string;
  until: number;
  minute: number;
  dayUsed: number;
  monthUsed: number;
}

export class Limiter {
  readonly #spends: Batcher<TokenSpend>;
  // Per-key state in memory: one database round trip per lease or per second, not per request
  // (each PGlite statement costs ~0.5-1.5 ms of the gateway's CPU; measured in bench:proxy).
  readonly #leases = new Map<string, RequestLease>();
  readonly #tokens = new Map<string, TokensSnapshot>();
  /**
   * Database reads in flight per key, shared by the requests that find the lease used up or
   * the token counts stale meanwhile: a burst of a key's requests makes one round trip and
   * takes one lease, rather than one each (all but the last thrown away, yet counted against
   * the key's RPM in the database).
   */
  readonly #leasing = new Map<string, Promise<RequestLease>>();
  readonly #reading = new Map<string, Promise<TokensSnapshot>>();

  constructor(
    private readonly store: Store,
    writes: WriteQueue,
    /**
     * Lease one request at a time: for a gateway that lives for one request (Workers), whose
     * unused lease would be lost with it. The database stays the authority either way.
     */
    private readonly options: { exact?: boolean } = {},
  ) {
    // A second's spends reach the database as one statement (summed there per key and minute).
    this.#spends = new Batcher(writes, "token spends", (spends) => this.store.addTokens(spends));
  }

  /**
   * `tokens: false` admits a request that spends no tokens (a response-cache hit): it counts
   * against RPM, but TPM and the budgets neither stop it nor are charged.
   */
  async admit(key: ApiKey | null, model: string, now = new Date(), options: { tokens?: boolean } = {}): Promise<Admission> {
    if (!key) return OPEN;
    try {
      const admission = await this.#admit(key, model, now, options.tokens !== false);
      return options.tokens === false ? { headers: admission.headers, spend() {} } : admission;
    } catch (err) {
      throw databaseUnavailable(err);
    }
  }

  async #admit(key: ApiKey, model: string, now: Date, checkTokens: boolean): Promise<Admission> {
    if (!modelAllowed(key.models, model))
      throw new GatewayError(`This API key may not use the model '${model}'.`, { status: 403, type: "permission_error", code: "model_not_allowed", param: "model" });
    const window = minuteStart(now);
    const resetSeconds = secondsUntil(window.getTime() + 60_000, now);
    const headers: Record<string, string> = {};
    if (key.rpm !== null) {
      const count = await this.#takeRequest(key.id, window, key.rpm);
      Object.assign(headers, {
        "x-ratelimit-limit-requests": String(key.rpm),
        "x-ratelimit-remaining-requests": String(Math.max(0, key.rpm - (count ?? key.rpm))),
        "x-ratelimit-reset-requests": `${resetSeconds}s`,
      });
      if (count === null) throw tooMany(`Rate limit reached: ${key.rpm} requests per minute for this key.`, "rpm_exceeded", resetSeconds, headers);
    }
    if (checkTokens && (key.tpm !== null || key.dailyTokens !== null || key.monthlyTokens !== null)) {
      const used = await this.#tokensUsed(key.id, window, dayKey(now), monthKey(now));
      if (key.tpm !== null) {
        Object.assign(headers, {
          "x-ratelimit-limit-tokens": String(key.tpm),
          "x-ratelimit-remaining-tokens": String(Math.max(0, key.tpm - used.minute)),
          "x-ratelimit-reset-tokens": `${resetSeconds}s`,
        });
        if (used.minute >= key.tpm) throw tooMany(`Rate limit reached: ${key.tpm} tokens per minute for this key.`, "tpm_exceeded", resetSeconds, headers);
      }
      if (key.dailyTokens !== null && used.day >= key.dailyTokens) {
        const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
        throw tooMany(`Daily token budget of ${key.dailyTokens} is used up for this key.`, "daily_budget_exceeded", secondsUntil(midnight, now), headers);
      }
      if (key.monthlyTokens !== null && used.month >= key.monthlyTokens) {
        const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
        throw tooMany(`Monthly token budget of ${key.monthlyTokens} is used up for this key.`, "monthly_budget_exceeded", secondsUntil(nextMonth, now), headers);
      }
    }
    return {
      headers,
      spend: (tokens) => {
        if (tokens <= 0) return;
        this.#spends.add({ keyId: key.id, windowStart: window, day: dayKey(now), month: monthKey(now), tokens });
        const snap = this.#tokens.get(key.id);
        if (snap && snap.windowMs === window.getTime()) {
          snap.minute += tokens;
          snap.dayUsed += tokens;
          snap.monthUsed += tokens;
        }
      },
    };
  }

  /** The window's request count after this one, or null when over the limit. */
  async #takeRequest(keyId: string, window: Date, rpm: number): Promise<number | null> {
    const windowMs = window.getTime();
    for (;;) {
      const lease = this.#leases.get(keyId);
      if (lease && lease.windowMs === windowMs) {
        if (lease.remaining > 0) {
          lease.remaining -= 1;
          return lease.countAtLease - lease.remaining;
        }
        if (lease.fullAt === rpm) return null;
      }
      let leasing = this.#leasing.get(keyId);
      if (!leasing) {
        leasing = this.#lease(keyId, window, rpm).finally(() => this.#leasing.delete(keyId));
        this.#leasing.set(keyId, leasing);
      }
      // Refused for this window: so is this request (no second round trip to hear it again).
      const taken = await leasing;
      if (taken.windowMs === windowMs && taken.fullAt !== undefined) return null;
    }
  }

  /** Takes a key's next lease of requests from the database; a refusal is remembered too. */
  async #lease(keyId: string, window: Date, rpm: number): Promise<RequestLease> {
    let n = this.options.exact ? 1 : leaseSize(rpm);
    let count = await this.store.takeRequest(keyId, window, rpm, n);
    if (count === null && n > 1) {
      n = 1;
      count = await this.store.takeRequest(keyId, window, rpm, 1);
    }
    const windowMs = window.getTime();
    const lease: RequestLease = count === null ? { windowMs, remaining: 0, countAtLease: rpm, fullAt: rpm } : { windowMs, remaining: n, countAtLease: count };
    this.#leases.set(keyId, lease);
    return lease;
  }

  async #tokensUsed(keyId: string, window: Date, day: string, month: string): Promise<{ minute: number; day: number; month: number }> {
    const windowMs = window.getTime();
    const current = (): TokensSnapshot | undefined => {
      const snap = this.#tokens.get(keyId);
      return snap && snap.windowMs === windowMs && snap.day === day && snap.month === month ? snap : undefined;
    };
    let snap = current();
    if (!snap || Date.now() >= snap.until) {
      const read = `${keyId}|${windowMs}|${day}|${month}`;
      let reading = this.#reading.get(read);
      if (!reading) {
        reading = this.#readTokens(keyId, window, day, month).finally(() => this.#reading.delete(read));
        this.#reading.set(read, reading);
      }
      const answer = await reading;
      // The snapshot, not the read's answer: spends booked since it landed are added to it.
      snap = current() ?? answer;
    }
    return { minute: snap.minute, day: snap.dayUsed, month: snap.monthUsed };
  }

  async #readTokens(keyId: string, window: Date, day: string, month: string): Promise<TokensSnapshot> {
    const used = await this.store.tokensUsed(keyId, window, day, month);
    if (this.#tokens.size > 10_000) this.#tokens.clear();
    const snap: TokensSnapshot = { windowMs: window.getTime(), day, month, until: Date.now() + TOKENS_SNAPSHOT_MS, minute: used.minute, dayUsed: used.day, monthUsed: used.month };
    this.#tokens.set(keyId, snap);
    return snap;
  }
}
