/**
 * @module The Store: keys, limits, usage, conversations, stored Responses and response-cache entries. One implementation over drizzle
 * (DrizzleStore), with the driver chosen at the program's edge: PGlite, node-postgres, Neon.
 */

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  dailyTokens: number | null;
  monthlyTokens: number | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  models?: string[] | null | undefined;
  rpm?: number | null | undefined;
  tpm?: number | null | undefined;
  dailyTokens?: number | null | undefined;
  monthlyTokens?: number | null | undefined;
  expiresAt?: Date | null | undefined;
}

export type ApiKeyPatch = Partial<Pick<NewApiKey, "name" | "models" | "rpm" | "tpm" | "dailyTokens" | "monthlyTokens" | "expiresAt">>;

export interface UsageRow {
  keyId: string | null;
  model: string;
  target: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  status: number;
  requestId: string;
  /** Answered from the response cache. */
  cached?: boolean | undefined;
}

export interface UsageSummaryRow {
  keyId: string | null;
  model: string;
  day: string;
  requests: number;
  /** Of those, answered from the response cache. */
  cachedRequests: number;
  /** Tokens spent upstream: cached answers add none. */
  promptTokens: number;
  completionTokens: number;
}

/** A response-cache entry as stored; `events` is checked by the cache when read back. */
export interface CacheRow {
  key: string;
  namespace: string;
  target: string;
  events: unknown;
  bytes: number;
  expiresAt: Date;
}

export interface Conversation {
  id: string;
  keyId: string | null;
  title: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Tokens one key spent in one minute, booked to that minute, its UTC day (`d:…`) and month (`m:…`). */
export interface TokenSpend {
  keyId: string;
  windowStart: Date;
  day: string;
  month: string;
  tokens: number;
}

export interface StoredMessage {
  id: number;
  role: string;
  content: string;
  status: string;
  createdAt: Date;
}

/** A stored Response: its object as returned, and the input items of its request. */
export interface StoredResponse {
  id: string;
  keyId: string | null;
  previousResponseId: string | null;
  model: string;
  status: string;
  body: Record<string, unknown>;
  input: unknown[];
  createdAt: Date;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Store {
  readonly driver: string;

  createKey(key: NewApiKey): Promise<ApiKey>;
  keyByHash(hash: string): Promise<(ApiKey & { hash: string }) | undefined>;
  listKeys(): Promise<ApiKey[]>;
  updateKey(id: string, patch: ApiKeyPatch): Promise<ApiKey | undefined>;
  revokeKey(id: string): Promise<ApiKey | undefined>;
  /** True when at least one key exists that is not revoked. */
  hasActiveKeys(): Promise<boolean>;

  /** Counts `n` requests in the key's current minute unless that would pass `limit`; returns the new count, or null when over. */
  takeRequest(keyId: string, windowStart: Date, limit: number | null, n?: number): Promise<number | null>;
  /** Tokens the key used in this minute, today and this month. */
  tokensUsed(keyId: string, windowStart: Date, day: string, month: string): Promise<{ minute: number; day: number; month: number }>;
  /**
   * Books a batch of spends as one statement: all of it or none, so a batch the write queue
   * retries after a failure never counts twice what had landed.
   */
  addTokens(spends: TokenSpend[]): Promise<void>;

  recordUsage(rows: UsageRow[]): Promise<void>;
  usageForKey(keyId: string | null, since: Date): Promise<UsageSummaryRow[]>;
  usageSummary(since: Date): Promise<UsageSummaryRow[]>;

  createConversation(c: { id: string; keyId: string | null; title: string | null }): Promise<Conversation>;
  /** Only the owner's: another key's conversation is simply not found. */
  getConversation(id: string, keyId: string | null): Promise<Conversation | undefined>;
  listConversations(keyId: string | null, limit: number, cursor: string | null): Promise<Page<Conversation>>;
  deleteConversation(id: string, keyId: string | null): Promise<boolean>;
  setTitle(id: string, keyId: string | null, title: string): Promise<Conversation | undefined>;
  messages(conversationId: string): Promise<StoredMessage[]>;
  /** Appends messages; false when the conversation no longer exists (deleted meanwhile). */
  appendMessages(conversationId: string, rows: Array<{ role: string; content: string; status: string; requestId: string | null }>): Promise<boolean>;

  /** Writes a response (again, if it exists: a stream's last state wins). */
  putResponse(r: Omit<StoredResponse, "createdAt">): Promise<void>;
  /** Only the owner's: another key's response is simply not found. */
  getResponse(id: string, keyId: string | null): Promise<StoredResponse | undefined>;
  deleteResponse(id: string, keyId: string | null): Promise<boolean>;

  /** The entry under `key` in `namespace` that has not expired at `now`. */
  getCached(key: string, namespace: string, now: Date): Promise<CacheRow | undefined>;
  /** Writes an entry (over an older one with the same key). */
  putCached(row: CacheRow): Promise<void>;
  /** Deletes entries expired at `now`; returns how many. */
  sweepCache(now: Date): Promise<number>;

  close(): Promise<void>;
}
