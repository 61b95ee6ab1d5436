/**
 * @module Shared by every chat front door: look the request up in the response cache (on
 * routes that have one), admit the caller (limits), add the conversation's history, route and
 * start the chat — or replay a cached answer's events — then account for it when it ends:
 * usage row, token spend, the conversation's new messages (through the retrying write queue),
 * and a completed miss written to the cache.
 */
import { GatewayError, notFound } from "@switchyard/shared/errors";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { Logger } from "@switchyard/shared/log";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { AnswerRecorder } from "../cache/answer-recorder.ts";
import { type CachePlan, planCache } from "../cache/cache-plan.ts";
import type { NormalizedChatRequest, NormalizedMessage } from "../chat/normalized.ts";
import type { GatewayDeps } from "../deps.ts";
import type { Target } from "../routing/resolve-target.ts";
import { startChat } from "../routing/run-chain.ts";
import { CallRecord, type Outcome } from "./call-record.ts";
import type { InFlight } from "./in-flight.ts";

export interface RoutedChat {
  target: Target;
  first: ChatEvent | undefined;
  /** The rest of the events; reading them to the end (or stopping) settles the accounting. */
  events: AsyncGenerator<ChatEvent, void, undefined>;
}

export async function startRoutedChat(c: Context<AppEnv>, request: NormalizedChatRequest, conversationId: string | undefined): Promise<RoutedChat> {
  // What the accounting at the stream's end needs is taken out of the context here: its
  // closures live as long as the stream, and one over `c` would keep the whole context with them.
  const deps = c.get("deps");
  const { router, config, limiter, store, usage, metrics, responseCache } = deps;
  const log = c.get("log");
  const requestId = c.get("requestId");
  const model = request.model;
  const key = c.get("caller").key;
  const cacheRequest = { keyId: key?.id ?? null, cacheControl: c.req.header("cache-control"), conversation: conversationId !== undefined };
  const cache = await planCache(router, responseCache, request, cacheRequest, log);
  // A hit spends no tokens: it counts against RPM only.
  const admission = await limiter.admit(key, request.model, new Date(), { tokens: cache?.hit === undefined });
  for (const [name, value] of Object.entries(admission.headers)) header(c, name, value);
  if (cache) {
    header(c, "x-switchyard-cache", cache.status);
    metrics.observeCache(request.model, cache.status);
  }
  const newMessages = conversationId !== undefined ? request.messages : [];
  if (conversationId !== undefined) {
    const conversation = await store.getConversation(conversationId, key?.id ?? null);
    if (!conversation) throw notFound("No such conversation.");
    const history = await store.messages(conversationId);
    // The reply's text is stored with the conversation: it must be read, not passed through as bytes.
    request = { ...request, wire: undefined, messages: [...history.map((m): NormalizedMessage => ({ role: m.role as NormalizedMessage["role"], content: m.content })), ...newMessages] };
  }
  const record = new CallRecord(c.get("startedAt"));
  const finish = (outcome: Outcome, status: number, target: string, cached = false) => {
    const tokens = record.tokens();
    admission.spend(tokens.prompt + tokens.completion);
    const row = { keyId: key?.id ?? null, model, target, status, requestId, cached, ...record.usageRow() };
    usage.add(row);
    // A cached answer's tokens were not generated again: the token counters leave them out.
    metrics.observe(model, target, status, row.latencyMs, row.ttftMs, cached ? 0 : row.promptTokens, cached ? 0 : row.completionTokens);
    if (conversationId !== undefined) storeTurn(deps, log, requestId, conversationId, newMessages, record.text(), outcome);
  };
  if (cache?.hit) return replayHit(c, request, cache.hit, record, finish);
  const recorder = cache?.write ? new AnswerRecorder() : undefined;
  // An answer to be cached is kept as events: it must be read, not passed through as bytes.
  if (recorder) request = { ...request, wire: undefined };
  let started: Awaited<ReturnType<typeof startChat>>;
  try {
    started = await startChat(
      router.resolve(request.model),
      request,
      { requestId, signal: c.req.raw.signal, deadlineUnixMs: Date.now() + config.requestTimeoutMs },
      log,
    );
  } catch (err) {
    finish("error", GatewayError.from(err).status, "none");
    throw err;
  }
  const { target, first, events } = started;
  const label = `${target.provider.name}:${target.upstreamModel}`;
  header(c, "x-switchyard-provider", target.provider.name);
  const worker = first?.type === "accepted" ? first.workerId : undefined;
  if (worker) header(c, "x-switchyard-worker", worker);
  log.info(`chat ${model} -> ${label}${worker ? ` worker ${worker}` : ""} stream=${request.stream}`);
  if (first) {
    record.observe(first);
    recorder?.add(first);
  }
  const settle = (outcome: Outcome, status: number) => {
    finish(outcome, status, label);
    const answer = recorder?.events();
    // Only a completed call is kept: not an error, not a stream the client left.
    if (outcome === "complete" && cache?.write && answer) responseCache.put(cache.write.key, cache.write.namespace, { target: label, events: answer }, cache.write.ttlSeconds, log);
  };
  return { target, first, events: accounted(events, record, settle, deps.inFlight, recorder) };
}

/** A cache hit: the stored events through the same renderers and the same accounting as a live call. */
function replayHit(
  c: Context<AppEnv>,
  request: NormalizedChatRequest,
  hit: NonNullable<CachePlan["hit"]>,
  record: CallRecord,
  finish: (outcome: Outcome, status: number, target: string, cached: boolean) => void,
): RoutedChat {
  const [first, ...rest] = hit.events.map((e) => ({ ...e }));
  header(c, "x-switchyard-provider", hit.target.split(":")[0] ?? hit.target);
  c.get("log").info(`chat ${request.model} -> cache hit (${hit.target}) stream=${request.stream}`);
  if (first) record.observe(first);
  return { target: hit.route, first, events: accounted(replay(rest), record, (outcome, status) => finish(outcome, status, hit.target, true), c.get("deps").inFlight) };
}

async function* replay(events: ChatEvent[]): AsyncGenerator<ChatEvent, void, undefined> {
  yield* events;
}

/**
 * Sets a response header while the response has not started: a call started mid-stream (the
 * next prompt of a legacy completion list) has no headers left to set.
 */
function header(c: Context<AppEnv>, name: string, value: string): void {
  if (!c.finalized) c.header(name, value);
}

async function* accounted(
  events: AsyncGenerator<ChatEvent, void, undefined>,
  record: CallRecord,
  finish: (outcome: Outcome, status: number) => void,
  inFlight: InFlight,
  recorder?: AnswerRecorder,
): AsyncGenerator<ChatEvent, void, undefined> {
  let outcome: Outcome = "cancelled";
  let status = 499;
  const done = inFlight.begin();
  try {
    for await (const e of events) {
      record.observe(e);
      recorder?.add(e);
      yield e;
    }
    outcome = "complete";
    status = 200;
  } catch (err) {
    outcome = "error";
    status = GatewayError.from(err).status;
    throw err;
  } finally {
    finish(outcome, status);
    done();
  }
}

function storeTurn(deps: GatewayDeps, log: Logger, requestId: string, conversationId: string, asked: NormalizedMessage[], reply: string, outcome: Outcome): void {
  const { store, writes } = deps;
  // A turn that failed or was cancelled before any reply leaves the conversation as it was, so a
  // client that retries (the SDKs do on 429/5xx, the chat page's Retry) does not ask twice.
  if (outcome !== "complete" && reply.length === 0) return;
  const rows = asked
    .filter((m) => m.role !== "system" && m.role !== "developer")
    .map((m) => ({ role: m.role, content: typeof m.content === "string" ? m.content : m.content.map((p) => (p.type === "text" ? p.text : "[image]")).join(""), status: "complete", requestId }));
  // A cancelled or failed stream keeps what was said so far, marked as partial.
  rows.push({ role: "assistant", content: reply, status: outcome === "complete" ? "complete" : "partial", requestId });
  writes.enqueue(`conversation ${conversationId} ${requestId}`, async () => {
    const stored = await store.appendMessages(conversationId, rows);
    if (!stored) log.info(`conversation ${conversationId} was deleted during the request; its new messages were not kept`);
  });
}

/** When the client goes away or the stream fails, the upstream generation is stopped too. */
export async function* withCleanup<T>(output: AsyncGenerator<T>, upstream: AsyncGenerator<unknown, void, undefined>): AsyncGenerator<T> {
  try {
    yield* output;
  } finally {
    await upstream.return(undefined);
  }
}
