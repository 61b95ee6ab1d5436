/** @module POST /v1/chat/completions: validates, dispatches to the provider, answers JSON or SSE. */
import { GatewayError, invalidRequest } from "@switchyard/shared/errors";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { type NormalizedChatRequest, parseChatRequest } from "../openai/chat-request.ts";
import { type CompletionMeta, chatChunk, chatCompletion, type FinishReason, usage, usageChunk } from "../openai/chat-response.ts";
import { sseStream } from "../sse/sse-stream.ts";

export async function chatCompletions(c: Context<AppEnv>): Promise<Response> {
  const body = await readJson(c);
  const request = parseChatRequest(body);
  const { resolveProvider, config } = c.var.deps;
  const provider = resolveProvider(request.model);
  const requestId = c.var.requestId;
  const log = c.var.log;
  const events = provider.chat(request, {
    requestId,
    signal: c.req.raw.signal,
    deadlineUnixMs: Date.now() + config.requestTimeoutMs,
  });
  // Wait for acceptance before answering, so early failures keep their HTTP status.
  const first = await events.next();
  const meta: CompletionMeta = { id: `chatcmpl-${requestId}`, created: Math.floor(Date.now() / 1000), model: request.model };
  const worker = !first.done && first.value.type === "accepted" ? first.value.workerId : undefined;
  // Which worker took it: operators debugging a pool want this without reading logs.
  if (worker) c.header("x-switchyard-worker", worker);
  log.info(`chat ${request.model} accepted by ${provider.name}${worker ? ` worker ${worker}` : ""} stream=${request.stream}`);
  if (request.stream) {
    c.header("content-type", "text/event-stream; charset=utf-8");
    c.header("cache-control", "no-cache");
    return c.body(sseStream({ events: toChunks(first, events, request, meta), onError: (err) => streamError(err, log) }));
  }
  return c.json(await collect(first, events, meta));
}

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest("We could not parse the JSON body of your request. The body must be valid JSON.", null, "invalid_json");
  }
}

type Events = AsyncGenerator<ChatEvent, void, undefined>;

async function collect(first: IteratorResult<ChatEvent, void>, events: Events, meta: CompletionMeta) {
  let content = "";
  let finish: FinishReason = "stop";
  let promptTokens = 0;
  let completionTokens = 0;
  for (let next = first; !next.done; next = await events.next()) {
    const e = next.value;
    if (e.type === "accepted") promptTokens = e.promptTokens;
    else if (e.type === "token") content += e.text;
    else if (e.type === "usage") {
      promptTokens = e.promptTokens;
      completionTokens = e.completionTokens;
    } else if (e.type === "done") finish = e.finishReason;
  }
  return chatCompletion(meta, content, finish, usage(promptTokens, completionTokens));
}

async function* toChunks(first: IteratorResult<ChatEvent, void>, events: Events, request: NormalizedChatRequest, meta: CompletionMeta) {
  const withUsage = request.includeUsage;
  let u = usage(0, 0);
  yield chatChunk(meta, { role: "assistant", content: "" }, null, withUsage);
  try {
    for (let next = first; !next.done; next = await events.next()) {
      const e = next.value;
      if (e.type === "token") {
        if (e.text.length > 0) yield chatChunk(meta, { content: e.text }, null, withUsage);
      } else if (e.type === "accepted") u = usage(e.promptTokens, 0);
      else if (e.type === "usage") u = usage(e.promptTokens, e.completionTokens);
      else if (e.type === "done") yield chatChunk(meta, {}, e.finishReason, withUsage);
    }
    if (withUsage) yield usageChunk(meta, u);
  } finally {
    // The client went away or the stream failed: stop the generation upstream.
    await events.return(undefined);
  }
}

function streamError(err: unknown, log: AppEnv["Variables"]["log"]) {
  const e = GatewayError.from(err);
  log.warn(`stream ended with error ${e.status} ${e.code}: ${e.message}`);
  return e.toJSON();
}
