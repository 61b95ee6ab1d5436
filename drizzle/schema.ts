/**
 * @module The database schema (drizzle-orm, Postgres): API keys, rate windows and token
 * totals for limits, usage rows, conversations and their messages, stored Responses. Migrations in
 * drizzle/migrations are generated from this file by drizzle-kit (`npm run db:generate`). Also the
 * exact response cache's entries, shared by every gateway on the database.
 */
import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** The first characters of the key, for display: `sk-sy-AbCd`. */
    prefix: text("prefix").notNull(),
    /** HMAC-SHA256 of the key under the server secret, hex. The key itself is never stored. */
    hash: text("hash").notNull().unique(),
    /** Model globs this key may use; null means all. */
    models: text("models").array(),
    rpm: integer("rpm"),
    tpm: integer("tpm"),
    dailyTokens: bigint("daily_tokens", { mode: "number" }),
    monthlyTokens: bigint("monthly_tokens", { mode: "number" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_created_idx").on(t.createdAt)],
);

/** Requests and tokens of one key in one minute: shared by every gateway on the database. */
export const rateWindows = pgTable(
  "rate_windows",
  {
    keyId: text("key_id").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    requests: integer("requests").notNull().default(0),
    tokens: integer("tokens").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.windowStart] })],
);

/** Tokens of one key per day (`d:2026-11-22`) and per month (`m:2026-11`), UTC. */
export const tokenTotals = pgTable(
  "token_totals",
  {
    keyId: text("key_id").notNull(),
    period: text("period").notNull(),
    tokens: bigint("tokens", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.period] })],
);

export const usage = pgTable(
  "usage",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Null in open mode (no keys). */
    keyId: text("key_id"),
    model: text("model").notNull(),
    /** provider:upstream-model that answered. */
    target: text("target").notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    latencyMs: integer("latency_ms").notNull(),
    ttftMs: integer("ttft_ms"),
    status: integer("status").notNull(),
    requestId: text("request_id").notNull(),
    /** Answered from the response cache: no upstream call, no tokens spent against limits. */
    cached: boolean("cached").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("usage_key_created_idx").on(t.keyId, t.createdAt), index("usage_created_idx").on(t.createdAt)],
);

export const conversations = pgTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    /** Owner; null in open mode. */
    keyId: text("key_id"),
    title: text("title"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("conversations_key_updated_idx").on(t.keyId, t.updatedAt, t.id)],
);

export const messages = pgTable(
  "messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    role: text("role").notNull(),
    content: text("content").notNull(),
    /** "complete", or "partial" for a reply whose stream was cancelled. */
    status: text("status").notNull().default("complete"),
    requestId: text("request_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [index("messages_conversation_idx").on(t.conversationId, t.id)],
);

/** Responses (/v1/responses) kept for previous_response_id, GET and input_items; owned by a key. */
export const responses = pgTable(
  "responses",
  {
    id: text("id").primaryKey(),
    /** Owner; null in open mode. */
    keyId: text("key_id"),
    previousResponseId: text("previous_response_id"),
    model: text("model").notNull(),
    status: text("status").notNull(),
    /** The Response object as the API returned it. */
    body: jsonb("body").notNull(),
    /** The input items of this request, each with its id. */
    input: jsonb("input").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("responses_key_created_idx").on(t.keyId, t.createdAt)],
);

/** The exact response cache: a call's events under the hash of its request, per namespace (a key, open mode, or shared). */
export const responseCache = pgTable(
  "response_cache",
  {
    /** SHA-256 (hex) of the canonical request, its namespace included. */
    key: text("key").primaryKey(),
    /** `key:<id>`, `open` or `shared`; checked again on every read. */
    namespace: text("namespace").notNull(),
    /** provider:upstream-model that answered. */
    target: text("target").notNull(),
    /** The call's ChatEvents, in order. */
    events: jsonb("events").notNull(),
    bytes: integer("bytes").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("response_cache_expires_idx").on(t.expiresAt)],
);
