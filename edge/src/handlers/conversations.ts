/** @module /v1/conversations: create, list (cursor pages), read with messages, delete, and title. */
import { GatewayError, invalidRequest, notFound } from "@switchyard/shared/errors";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import type { Conversation } from "../store/store.ts";
import { pathId } from "./path-id.ts";
import { readJson } from "./read-json.ts";
import { generateTitle } from "./title.ts";

const unix = z.number().int().meta({ description: "Unix time, seconds." });
export const ConversationSchema = z.object({
  id: z.string(),
  object: z.literal("conversation"),
  title: z.string().nullable(),
  created_at: unix,
  updated_at: unix,
});
export const ConversationListSchema = z.object({
  object: z.literal("list"),
  data: z.array(ConversationSchema),
  has_more: z.boolean(),
  next_cursor: z.string().nullable().meta({ description: "Pass as `after` for the next page." }),
});
export const ConversationWithMessagesSchema = ConversationSchema.extend({
  messages: z.array(
    z.object({
      id: z.number().int(),
      role: z.string(),
      content: z.string(),
      status: z.string().meta({ description: "`complete`, or `partial` for a reply whose stream was cancelled." }),
      created_at: unix,
    }),
  ),
});
export const ConversationDeletedSchema = z.object({ id: z.string(), object: z.literal("conversation.deleted"), deleted: z.literal(true) });

export const CreateConversationSchema = z.object({ title: z.string().max(500).nullish() }).loose();
/** The model that writes the title; anything but a string is ignored (TITLE_MODEL, else the first local model). */
export const TitleConversationSchema = z.object({ model: z.string().optional() }).loose();
export const ListConversationsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().optional().meta({ description: "The `next_cursor` of the previous page." }),
});

const view = (c: Conversation): z.infer<typeof ConversationSchema> => ({
  id: c.id,
  object: "conversation",
  title: c.title,
  created_at: Math.floor(c.createdAt.getTime() / 1000),
  updated_at: Math.floor(c.updatedAt.getTime() / 1000),
});

const owner = (c: Context<AppEnv>) => c.get("caller").key?.id ?? null;
const NOT_FOUND = () => notFound("No such conversation.");

export async function createConversation(c: Context<AppEnv>) {
  const text = await c.req.text();
  let title: string | null = null;
  if (text.trim()) {
    const body = CreateConversationSchema.safeParse(await readJson(c));
    if (!body.success) throw invalidRequest("title must be a string of at most 500 characters.", "title", "invalid_value");
    title = body.data.title ?? null;
  }
  const conversation = await c.get("deps").store.createConversation({ id: `conv_${crypto.randomUUID().replaceAll("-", "")}`, keyId: owner(c), title });
  return c.json(view(conversation), 201);
}

export async function listConversations(c: Context<AppEnv>) {
  const query = ListConversationsQuerySchema.safeParse(c.req.query());
  if (!query.success) throw invalidRequest("limit must be an integer from 1 to 100.", "limit", "invalid_value");
  const page = await c.get("deps").store.listConversations(owner(c), query.data.limit, query.data.after ?? null);
  return c.json({
    object: "list" as const,
    data: page.items.map(view),
    has_more: page.nextCursor !== null,
    next_cursor: page.nextCursor,
  } satisfies z.infer<typeof ConversationListSchema>);
}

export async function getConversation(c: Context<AppEnv>) {
  const id = pathId(c, "conversation");
  const conversation = await c.get("deps").store.getConversation(id, owner(c));
  if (!conversation) throw NOT_FOUND();
  const messages = await c.get("deps").store.messages(id);
  return c.json({
    ...view(conversation),
    messages: messages.map((m) => ({ id: m.id, role: m.role, content: m.content, status: m.status, created_at: Math.floor(m.createdAt.getTime() / 1000) })),
  } satisfies z.infer<typeof ConversationWithMessagesSchema>);
}

export async function deleteConversation(c: Context<AppEnv>) {
  const id = pathId(c, "conversation");
  if (!(await c.get("deps").store.deleteConversation(id, owner(c)))) throw NOT_FOUND();
  return c.json({ id, object: "conversation.deleted" as const, deleted: true as const } satisfies z.infer<typeof ConversationDeletedSchema>);
}

export async function titleConversation(c: Context<AppEnv>) {
  const id = pathId(c, "conversation");
  const body = TitleConversationSchema.safeParse(await readJson(c).catch(() => ({})));
  const model = body.success ? body.data.model : undefined;
  const conversation = await c.get("deps").store.getConversation(id, owner(c));
  if (!conversation) throw NOT_FOUND();
  const messages = await c.get("deps").store.messages(id);
  if (messages.length === 0) throw new GatewayError("The conversation has no messages to title.", { status: 400, type: "invalid_request_error", code: "empty_conversation" });
  const title = await generateTitle(c, messages, model);
  const updated = await c.get("deps").store.setTitle(id, owner(c), title);
  if (!updated) throw NOT_FOUND();
  return c.json(view(updated));
}
