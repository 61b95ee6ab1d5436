/** @module POST /v1/chat/completions: validates, routes (with fallbacks), answers JSON or SSE. */
import { GatewayError } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { parseChatRequest } from "../openai/chat-request.ts";
import { type CompletionMeta, collectCompletion, completionChunks } from "../openai/chat-response.ts";
import { startChat } from "../routing/run-chain.ts";
import { sseStream } from "../sse/sse-stream.ts";
import { readJson } from "./read-json.ts";

export async function chatCompletions(c: Context<AppEnv>): Promise<Response> {
  const request = parseChatRequest(await readJson(c));
  const { router, config } = c.var.deps;
  const requestId = c.var.requestId;
  const log = c.var.log;
  // Resolves once a target accepted, so failures before that keep their HTTP status.
  const started = await startChat(router.resolve(request.model), request, {
    requestId,
    signal: c.req.raw.signal,
    deadlineUnixMs: Date.now() + config.requestTimeoutMs,
  }, log);
  const { target, first, events } = started;
  c.header("x-switchyard-provider", target.provider.name);
  const worker = first?.type === "accepted" ? first.workerId : undefined;
  if (worker) c.header("x-switchyard-worker", worker);
  log.info(`chat ${request.model} -> ${target.provider.name}:${target.upstreamModel}${worker ? ` worker ${worker}` : ""} stream=${request.stream}`);
  const meta: CompletionMeta = { id: `chatcmpl-${requestId}`, created: Math.floor(Date.now() / 1000), model: request.model };
  if (!request.stream) return c.json(await collectCompletion(first, events, meta));
  const chunks = completionChunks(first, events, meta, request.includeUsage);
  c.header("content-type", "text/event-stream; charset=utf-8");
  c.header("cache-control", "no-cache");
  return c.body(
    sseStream({
      events: withCleanup(chunks, events),
      onError: (err) => {
        const e = GatewayError.from(err);
        log.warn(`stream ended with error ${e.status} ${e.code}: ${e.message}`);
        return e.toJSON();
      },
    }),
  );
}

/** When the client goes away or the stream fails, the upstream generation is stopped too. */
async function* withCleanup<T>(chunks: AsyncGenerator<T>, upstream: AsyncGenerator<unknown, void, undefined>): AsyncGenerator<T> {
  try {
    yield* chunks;
  } finally {
    await upstream.return(undefined);
  }
}
