/** @module /v1/conversations: create, list (cursor pages), read with messages, delete, and title. */
import { GatewayError, invalidRequest, notFound } from "@switchyard/shared/errors";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import type { Conversation } from "../store/store.ts";
import { pathId } from "./path-id.ts";
import { readJson } from "./read-json.ts";
import { generateTitle } from "./title.ts";

const view = (c: Conversation) => ({
  id: c.id,
  object: "conversation",
  title: c.title,
  created_at: Math.floor(c.createdAt.getTime() / 1000),
  updated_at: Math.floor(c.updatedAt.getTime() / 1000),
});

const owner = (c: Context<AppEnv>) => c.var.caller.key?.id ?? null;
const NOT_FOUND = () => notFound("No such conversation.");

export async function createConversation(c: Context<AppEnv>) {
  const text = await c.req.text();
  let title: string | null = null;
  if (text.trim()) {
    const body = z.object({ title: z.string().max(500).nullish() }).loose().safeParse(JSON.parse(text));
    if (!body.success) throw invalidRequest("title must be a string of at most 500 characters.", "title", "invalid_value");
    title = body.data.title ?? null;
  }
  const conversation = await c.var.deps.store.createConversation({ id: `conv_${crypto.randomUUID().replaceAll("-", "")}`, keyId: owner(c), title });
  return c.json(view(conversation), 201);
}

export async function listConversations(c: Context<AppEnv>) {
  const limit = Number(c.req.query("limit") ?? "20");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest("limit must be an integer from 1 to 100.", "limit", "invalid_value");
  const page = await c.var.deps.store.listConversations(owner(c), limit, c.req.query("after") ?? null);
  return c.json({ object: "list", data: page.items.map(view), has_more: page.nextCursor !== null, next_cursor: page.nextCursor });
}

export async function getConversation(c: Context<AppEnv>) {
  const id = pathId(c, "conversation");
  const conversation = await c.var.deps.store.getConversation(id, owner(c));
  if (!conversation) throw NOT_FOUND();
  const messages = await c.var.deps.store.messages(id);
  return c.json({
    ...view(conversation),
    messages: messages.map((m) => ({ id: m.id, role: m.role, content: m.content, status: m.status, created_at: Math.floor(m.createdAt.getTime() / 1000) })),
  });
}

export async function deleteConversation(c: Context<AppEnv>) {
  const id = pathId(c, "conversation");
  if (!(await c.var.deps.store.deleteConversation(id, owner(c)))) throw NOT_FOUND();
  return c.json({ id, object: "conversation.deleted", deleted: true });
}

export async function titleConversation(c: Context<AppEnv>) {
  const id = pathId(c, "conversation");
  const body = await readJson(c).catch(() => ({}));
  const model = typeof body === "object" && body !== null && "model" in body && typeof body.model === "string" ? body.model : undefined;
  const conversation = await c.var.deps.store.getConversation(id, owner(c));
  if (!conversation) throw NOT_FOUND();
  const messages = await c.var.deps.store.messages(id);
  if (messages.length === 0) throw new GatewayError("The conversation has no messages to title.", { status: 400, type: "invalid_request_error", code: "empty_conversation" });
  const title = await generateTitle(c, messages, model);
  const updated = await c.var.deps.store.setTitle(id, owner(c), title);
  if (!updated) throw NOT_FOUND();
  return c.json(view(updated));
}
