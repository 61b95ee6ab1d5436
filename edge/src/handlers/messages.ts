/** @module POST /v1/messages: Anthropic's Messages API in front of any target, local models included. */
import type { Context } from "hono";
import { anthropicErrorBody } from "../anthropic-api/anthropic-error.ts";
import { parseMessagesRequest } from "../anthropic-api/messages-request.ts";
import { collectMessage, type MessageMeta, messageStreamEvents } from "../anthropic-api/messages-response.ts";
import type { AppEnv } from "../app-env.ts";
import { sseStream } from "../sse/sse-stream.ts";
import { conversationIdOf } from "./conversation-id.ts";
import { readJson } from "./read-json.ts";
import { startRoutedChat, withCleanup } from "./start-routed-chat.ts";
import { loggedStreamError } from "./stream-error.ts";

export async function messages(c: Context<AppEnv>): Promise<Response> {
  const body = await readJson(c);
  const request = parseMessagesRequest(body);
  const { first, events } = await startRoutedChat(c, request, conversationIdOf(c, body));
  const meta: MessageMeta = { id: `msg_${c.get("requestId").replaceAll("-", "")}`, model: request.model };
  if (!request.stream) return c.json(await collectMessage(first, events, meta));
  c.header("content-type", "text/event-stream; charset=utf-8");
  c.header("cache-control", "no-cache");
  return c.body(
    sseStream({
      events: withCleanup(messageStreamEvents(first, events, meta), events),
      namedEvents: true,
      onError: loggedStreamError(c.get("log"), anthropicErrorBody),
    }),
  );
}
