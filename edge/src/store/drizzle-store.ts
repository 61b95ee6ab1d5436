/** @module The Store over drizzle-orm: one implementation for every Postgres driver. */
import * as schema from "@switchyard/drizzle/schema";
import { and, asc, count, desc, eq, gt, gte, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { ApiKey, ApiKeyPatch, CacheRow, Conversation, NewApiKey, Page, Store, StoredMessage, StoredResponse, TokenSpend, UsageRow, UsageSummaryRow } from "./store.ts";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

const { apiKeys, rateWindows, tokenTotals, usage, conversations, messages, responses, responseCache } = schema;

const keyColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  models: apiKeys.models,
  rpm: apiKeys.rpm,
  tpm: apiKeys.tpm,
  dailyTokens: apiKeys.dailyTokens,
  monthlyTokens: apiKeys.monthlyTokens,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
};

/** Null (open mode) and key ids compare differently in SQL. */
const ownedBy = (column: typeof conversations.keyId | typeof responses.keyId, keyId: string | null): SQL => (keyId === null ? isNull(column) : eq(column, keyId));

export class DrizzleStore implements Store {
  constructor(
    private readonly db: Db,
    readonly driver: string,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async createKey(key: NewApiKey): Promise<ApiKey> {
    const [row] = await this.db.insert(apiKeys).values(key).returning(keyColumns);
    return row!;
  }

  async keyByHash(hash: string): Promise<(ApiKey & { hash: string }) | undefined> {
    const [row] = await this.db
      .select({ ...keyColumns, hash: apiKeys.hash })
      .from(apiKeys)
      .where(eq(apiKeys.hash, hash));
    return row;
  }

  listKeys(): Promise<ApiKey[]> {
    return this.db.select(keyColumns).from(apiKeys).orderBy(asc(apiKeys.createdAt));
  }

  async updateKey(id: string, patch: ApiKeyPatch): Promise<ApiKey | undefined> {
    if (Object.keys(patch).length === 0) return (await this.db.select(keyColumns).from(apiKeys).where(eq(apiKeys.id, id)))[0];
    const [row] = await this.db.update(apiKeys).set(patch).where(eq(apiKeys.id, id)).returning(keyColumns);
    return row;
  }

  async revokeKey(id: string): Promise<ApiKey | undefined> {
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.id, id))
      .returning(keyColumns);
    return row;
  }

  async hasActiveKeys(): Promise<boolean> {
    const [row] = await this.db.select({ n: count() }).from(apiKeys).where(isNull(apiKeys.revokedAt));
    return (row?.n ?? 0) > 0;
  }

  async takeRequest(keyId: string, windowStart: Date, limit: number | null, n = 1): Promise<number | null> {
    if (limit !== null && n > limit) return null;
    // One statement, so gateways sharing the database never both take the last slot.
    const rows = await this.db
      .insert(rateWindows)
      .values({ keyId, windowStart, requests: n, tokens: 0 })
      .onConflictDoUpdate({
        target: [rateWindows.keyId, rateWindows.windowStart],
        set: { requests: sql`${rateWindows.requests} + ${n}` },
        ...(limit === null ? {} : { setWhere: sql`${rateWindows.requests} + ${n} <= ${limit}` }),
      })
      .returning({ requests: rateWindows.requests });
    return rows[0]?.requests ?? null;
  }

  async tokensUsed(keyId: string, windowStart: Date, day: string, month: string) {
    const [minute] = await this.db
      .select({ tokens: rateWindows.tokens })
      .from(rateWindows)
      .where(and(eq(rateWindows.keyId, keyId), eq(rateWindows.windowStart, windowStart)));
    const totals = await this.db
      .select({ period: tokenTotals.period, tokens: tokenTotals.tokens })
      .from(tokenTotals)
      .where(and(eq(tokenTotals.keyId, keyId), or(eq(tokenTotals.period, day), eq(tokenTotals.period, month))));
    return {
      minute: minute?.tokens ?? 0,
      day: totals.find((t) => t.period === day)?.tokens ?? 0,
      month: totals.find((t) => t.period === month)?.tokens ?? 0,
    };
  }

  async addTokens(spends: TokenSpend[]): Promise<void> {
    const booked = spends.filter((s) => s.tokens > 0);
    if (booked.length === 0) return;
    const json = JSON.stringify(booked.map((s) => ({ key_id: s.keyId, window_start: s.windowStart.toISOString(), day: s.day, month: s.month, tokens: s.tokens })));
    // One statement, which Postgres applies whole or not at all. Summed per target row first:
    // an upsert may not touch one row twice (two minutes of a key share its day and month). Rows
    // in key order, so two gateways' batches lock shared rows in the same order (no deadlock).
    await this.db.execute(sql`
      with s as (
        select * from jsonb_to_recordset(${json}::jsonb) as r(key_id text, window_start timestamptz, day text, month text, tokens bigint)
      ), minutes as (
        insert into ${rateWindows} (key_id, window_start, requests, tokens)
        select key_id, window_start, 0, sum(tokens)::integer from s group by key_id, window_start order by key_id, window_start
        on conflict (key_id, window_start) do update set tokens = ${rateWindows}.tokens + excluded.tokens
      ), totals as (
        insert into ${tokenTotals} (key_id, period, tokens)
        select key_id, period, sum(tokens)::bigint from (select key_id, day as period, tokens from s union all select key_id, month, tokens from s) p
        group by key_id, period order by key_id, period
        on conflict (key_id, period) do update set tokens = ${tokenTotals}.tokens + excluded.tokens
      )
      update ${apiKeys} set last_used_at = now() where id in (select key_id from s)`);
  }

  /**
   * A batch as one JSON parameter expanded by Postgres (jsonb_to_recordset): building an insert
   * of N rows through drizzle's query builder cost ~40 µs of gateway CPU per row in bench:proxy.
   */
  async recordUsage(rows: UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const json = JSON.stringify(
      rows.map((r) => ({
        key_id: r.keyId,
        model: r.model,
        target: r.target,
        prompt_tokens: r.promptTokens,
        completion_tokens: r.completionTokens,
        latency_ms: r.latencyMs,
        ttft_ms: r.ttftMs,
        status: r.status,
        request_id: r.requestId,
        cached: r.cached ?? false,
      })),
    );
    await this.db.execute(sql`
      insert into ${usage} (key_id, model, target, prompt_tokens, completion_tokens, latency_ms, ttft_ms, status, request_id, cached)
      select key_id, model, target, prompt_tokens, completion_tokens, latency_ms, ttft_ms, status, request_id, cached
      from jsonb_to_recordset(${json}::jsonb) as r(key_id text, model text, target text, prompt_tokens integer, completion_tokens integer,
        latency_ms integer, ttft_ms integer, status integer, request_id text, cached boolean)`);
  }

  usageForKey(keyId: string | null, since: Date): Promise<UsageSummaryRow[]> {
    return this.#summary(and(keyId === null ? isNull(usage.keyId) : eq(usage.keyId, keyId), gte(usage.createdAt, since)));
  }

  usageSummary(since: Date): Promise<UsageSummaryRow[]> {
    return this.#summary(gte(usage.createdAt, since));
  }

  #summary(where: SQL | undefined): Promise<UsageSummaryRow[]> {
    const day = sql<string>`to_char(${usage.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
    return this.db
      .select({
        keyId: usage.keyId,
        model: usage.model,
        day,
        requests: sql<number>`count(*)::int`,
        cachedRequests: sql<number>`(count(*) filter (where ${usage.cached}))::int`,
        // A cached answer spent nothing upstream: its row keeps the answer's counts, the sums leave them out.
        promptTokens: sql<number>`coalesce(sum(${usage.promptTokens}) filter (where not ${usage.cached}), 0)::int`,
        completionTokens: sql<number>`coalesce(sum(${usage.completionTokens}) filter (where not ${usage.cached}), 0)::int`,
      })
      .from(usage)
      .where(where)
      .groupBy(usage.keyId, usage.model, day)
      .orderBy(desc(day), asc(usage.model));
  }

  async createConversation(c: { id: string; keyId: string | null; title: string | null }): Promise<Conversation> {
    const [row] = await this.db.insert(conversations).values(c).returning();
    return row!;
  }

  async getConversation(id: string, keyId: string | null): Promise<Conversation | undefined> {
    const [row] = await this.db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, id), ownedBy(conversations.keyId, keyId)));
    return row;
  }

  async listConversations(keyId: string | null, limit: number, cursor: string | null): Promise<Page<Conversation>> {
    const after = cursor === null ? undefined : decodeCursor(cursor);
    const rows = await this.db
      .select()
      .from(conversations)
      .where(
        and(
          ownedBy(conversations.keyId, keyId),
          after ? or(lt(conversations.updatedAt, after.at), and(eq(conversations.updatedAt, after.at), lt(conversations.id, after.id))) : undefined,
        ),
      )
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ at: last.updatedAt, id: last.id }) : null };
  }

  async deleteConversation(id: string, keyId: string | null): Promise<boolean> {
    const rows = await this.db
      .delete(conversations)
      .where(and(eq(conversations.id, id), ownedBy(conversations.keyId, keyId)))
      .returning({ id: conversations.id });
    return rows.length > 0;
  }

  async setTitle(id: string, keyId: string | null, title: string): Promise<Conversation | undefined> {
    const [row] = await this.db
      .update(conversations)
      .set({ title, updatedAt: new Date() })
      .where(and(eq(conversations.id, id), ownedBy(conversations.keyId, keyId)))
      .returning();
    return row;
  }

  messages(conversationId: string): Promise<StoredMessage[]> {
    return this.db
      .select({ id: messages.id, role: messages.role, content: messages.content, status: messages.status, createdAt: messages.createdAt })
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .orderBy(asc(messages.id));
  }

  async appendMessages(conversationId: string, rows: Array<{ role: string; content: string; status: string; requestId: string | null }>): Promise<boolean> {
    if (rows.length === 0) return true;
    const touched = await this.db.update(conversations).set({ updatedAt: new Date() }).where(eq(conversations.id, conversationId)).returning({ id: conversations.id });
    if (touched.length === 0) return false;
    try {
      await this.db.insert(messages).values(rows.map((r) => ({ ...r, conversationId })));
      return true;
    } catch (err) {
      // Deleted between the two statements: the foreign key refuses the rows.
      if (String((err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code) === "23503") return false;
      throw err;
    }
  }

  async putResponse(r: Omit<StoredResponse, "createdAt">): Promise<void> {
    await this.db
      .insert(responses)
      .values(r)
      .onConflictDoUpdate({ target: responses.id, set: { status: r.status, body: r.body, input: r.input } });
  }

  async getResponse(id: string, keyId: string | null): Promise<StoredResponse | undefined> {
    const [row] = await this.db
      .select()
      .from(responses)
      .where(and(eq(responses.id, id), ownedBy(responses.keyId, keyId)));
    return row ? { ...row, body: row.body as Record<string, unknown>, input: row.input as unknown[] } : undefined;
  }

  async deleteResponse(id: string, keyId: string | null): Promise<boolean> {
    const deleted = await this.db
      .delete(responses)
      .where(and(eq(responses.id, id), ownedBy(responses.keyId, keyId)))
      .returning({ id: responses.id });
    return deleted.length > 0;
  }

  async getCached(key: string, namespace: string, now: Date): Promise<CacheRow | undefined> {
    const [row] = await this.db
      .select({ key: responseCache.key, namespace: responseCache.namespace, target: responseCache.target, events: responseCache.events, bytes: responseCache.bytes, expiresAt: responseCache.expiresAt })
      .from(responseCache)
      .where(and(eq(responseCache.key, key), eq(responseCache.namespace, namespace), gt(responseCache.expiresAt, now)));
    return row;
  }

  async putCached(row: CacheRow): Promise<void> {
    await this.db
      .insert(responseCache)
      .values(row)
      .onConflictDoUpdate({
        target: responseCache.key,
        set: { namespace: row.namespace, target: row.target, events: row.events, bytes: row.bytes, expiresAt: row.expiresAt, createdAt: sql`now()` },
      });
  }

  async sweepCache(now: Date): Promise<number> {
    const swept = await this.db.delete(responseCache).where(lte(responseCache.expiresAt, now)).returning({ key: responseCache.key });
    return swept.length;
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
