/**
 * @module /v1/responses: create (JSON or SSE), read, delete, and list a response's input
 * items. The request runs through the chat path on any target; the response and its input are
 * stored on the gateway (unless `store: false`), owned by the caller's key, so
 * previous_response_id works on every target and another key's response is a plain 404.
 */
import { GatewayError, invalidRequest, notFound } from "@switchyard/shared/errors";
import { within } from "@switchyard/shared/timers";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import type { Logger } from "@switchyard/shared/log";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { withFirst } from "../chat/with-first.ts";
import { responseHistory } from "../responses-api/history.ts";
import { type StoredItem, toMessages, withIds } from "../responses-api/input-items.ts";
import { type ResponseMeta, type ResponseObject, type ResponseStatus, responseObject } from "../responses-api/response-object.ts";
import { OutputBuilder } from "../responses-api/response-output.ts";
import { parseResponsesRequest } from "../responses-api/responses-request.ts";
import { toChatRequest } from "../responses-api/to-chat.ts";
import { sseStream } from "../sse/sse-stream.ts";
import { pathId } from "./path-id.ts";
import { readJson } from "./read-json.ts";
import { startRoutedChat, withCleanup } from "./start-routed-chat.ts";

/** Longest a response waits for its own write before it is answered. */
const SAVE_WAIT_MS = 1_000;

const owner = (c: Context<AppEnv>) => c.get("caller").key?.id ?? null;
const NOT_FOUND = () => notFound("No response with that id.");

type Events = AsyncGenerator<ChatEvent, void, undefined>;
type Save = (response: ResponseObject) => Promise<unknown>;

export async function createResponse(c: Context<AppEnv>): Promise<Response> {
  const request = parseResponsesRequest(await readJson(c));
  const { store, writes } = c.get("deps");
  const keyId = owner(c);
  const history = request.previous_response_id ? await responseHistory(store, request.previous_response_id, keyId) : [];
  const input = withIds(request.input);
  const { first, events } = await startRoutedChat(c, toChatRequest(request, toMessages(request.instructions, history, input)), undefined);
  const meta: ResponseMeta = { id: `resp_${crypto.randomUUID().replaceAll("-", "")}`, createdAt: Math.floor(Date.now() / 1000), request };
  // Awaited (its first attempt, for a moment at most), so a client continuing from this
  // response at once finds it; a database that is slow or away only delays the write.
  const save: Save = (response) =>
    request.store === false
      ? Promise.resolve()
      : within(
          writes.enqueue(`response ${meta.id}`, () =>
            store.putResponse({ id: meta.id, keyId, previousResponseId: request.previous_response_id ?? null, model: request.model, status: response.status, body: response, input }),
          ),
          SAVE_WAIT_MS,
        );
  if (!request.stream) {
    const builder = new OutputBuilder();
    for await (const e of withFirst(first, events)) for (const _ of builder.add(e));
    for (const _ of builder.close());
    const response = responseObject(meta, { status: finalStatus(builder), output: builder.output, usage: builder.usage, error: null });
    await save(response);
    return c.json(response);
  }
  c.header("content-type", "text/event-stream; charset=utf-8");
  c.header("cache-control", "no-cache");
  return c.body(
    sseStream({
      events: withCleanup(responseEvents(meta, first, events, save, c.get("log")), events),
      namedEvents: true,
      // Failures are events of the stream itself (error, then response.failed).
      onError: (err) => {
        const e = GatewayError.from(err);
        return { type: "error", code: e.code, message: e.message, param: e.param };
      },
    }),
  );
}

/** OpenAI's event sequence, each with its sequence_number. Takes the logger, not the context: it lives as long as the stream (see stream-error.ts). */
async function* responseEvents(meta: ResponseMeta, first: ChatEvent | undefined, events: Events, save: Save, log: Logger) {
  let seq = 0;
  const numbered = <E extends object>(e: E) => ({ ...e, sequence_number: seq++ });
  const builder = new OutputBuilder();
  const snapshot = (status: ResponseStatus, error: GatewayError | null = null) =>
    responseObject(meta, { status, output: structuredClone(builder.output), usage: status === "in_progress" ? null : builder.usage, error });
  yield numbered({ type: "response.created", response: snapshot("in_progress") });
  yield numbered({ type: "response.in_progress", response: snapshot("in_progress") });
  try {
    for await (const e of withFirst(first, events)) for (const out of builder.add(e)) yield numbered(out);
  } catch (err) {
    const e = GatewayError.from(err);
    log.warn(`response stream failed: ${e.status} ${e.code}: ${e.message}`);
    for (const out of builder.close()) yield numbered(out);
    yield numbered({ type: "error", code: e.code, message: e.message, param: e.param });
    const failed = snapshot("failed", e);
    await save(failed);
    yield numbered({ type: "response.failed", response: failed });
    return;
  }
  for (const out of builder.close()) yield numbered(out);
  const response = snapshot(finalStatus(builder));
  await save(response);
  yield numbered({ type: response.status === "completed" ? "response.completed" : "response.incomplete", response });
}

const finalStatus = (builder: OutputBuilder): ResponseStatus => (builder.finish === "length" ? "incomplete" : "completed");

export async function getResponse(c: Context<AppEnv>) {
  const stored = await c.get("deps").store.getResponse(pathId(c, "response"), owner(c));
  if (!stored) throw NOT_FOUND();
  return c.json(stored.body);
}

export async function deleteResponse(c: Context<AppEnv>) {
  const id = pathId(c, "response");
  if (!(await c.get("deps").store.deleteResponse(id, owner(c)))) throw NOT_FOUND();
  return c.json({ id, object: "response", deleted: true });
}

export const InputItemsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  order: z.enum(["asc", "desc"]).default("desc"),
  after: z.string().optional(),
});

/** A response's own input items, in cursor pages (`after` an item id), newest first by default. */
export async function listInputItems(c: Context<AppEnv>) {
  const stored = await c.get("deps").store.getResponse(pathId(c, "response"), owner(c));
  if (!stored) throw NOT_FOUND();
  const query = InputItemsQuerySchema.safeParse(c.req.query());
  if (!query.success) {
    const param = String(query.error.issues[0]?.path[0] ?? "limit");
    throw invalidRequest(`Invalid value for '${param}'.`, param, "invalid_value");
  }
  const { limit, order, after } = query.data;
  const items = (stored.input as StoredItem[]).slice();
  if (order === "desc") items.reverse();
  let start = 0;
  if (after !== undefined) {
    start = items.findIndex((i) => i.id === after) + 1;
    if (start === 0) throw invalidRequest(`No input item with id '${after}' in this response.`, "after", "invalid_cursor");
  }
  const page = items.slice(start, start + limit);
  return c.json({ object: "list", data: page, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: start + limit < items.length });
}
