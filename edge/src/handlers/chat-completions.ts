/** @module POST /v1/chat/completions: validates, routes (with fallbacks), answers JSON or SSE. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { parseChatRequest } from "../openai/chat-request.ts";
import { type CompletionMeta, collectCompletion, collectWire, completionChunks, wireBytes } from "../openai/chat-response.ts";
import { sseStream } from "../sse/sse-stream.ts";
import { conversationIdOf } from "./conversation-id.ts";
import { readJson } from "./read-json.ts";
import { startRoutedChat, withCleanup } from "./start-routed-chat.ts";
import { loggedStreamError } from "./stream-error.ts";

export async function chatCompletions(c: Context<AppEnv>): Promise<Response> {
  const body = await readJson(c);
  const request = parseChatRequest(body);
  const { first, events } = await startRoutedChat(c, request, conversationIdOf(c, body));
  const meta: CompletionMeta = { id: `chatcmpl-${c.get("requestId")}`, created: Math.floor(Date.now() / 1000), model: request.model };
  // The lean path: an OpenAI-compatible upstream's reply goes through as its own bytes.
  const wire = first?.type === "accepted" && first.wire === true;
  if (!request.stream) {
    if (wire) return c.body(await collectWire(events), 200, { "content-type": "application/json" });
    return c.json(await collectCompletion(first, events, meta));
  }
  c.header("content-type", "text/event-stream; charset=utf-8");
  c.header("cache-control", "no-cache");
  const onError = loggedStreamError(c.get("log"), (e) => e.toJSON());
  // The lean path reads the accounted events itself: no generator of ours between them and the client.
  if (wire) return c.body(sseStream({ events, select: wireBytes, onError }));
  return c.body(sseStream({ events: withCleanup<unknown>(completionChunks(first, events, meta, request.includeUsage), events), onError }));
}
