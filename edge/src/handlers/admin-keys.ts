/** @module /admin/keys: create (the key is shown once), list, update and revoke API keys. */
import { invalidRequest, notFound } from "@switchyard/shared/errors";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { createApiKey } from "../auth/create-key.ts";
import type { ApiKey } from "../store/store.ts";
import { pathId } from "./path-id.ts";
import { readJson } from "./read-json.ts";

const Limits = {
  models: z.array(z.string().min(1).max(200)).max(100).nullish(),
  rpm: z.number().int().positive().nullish(),
  tpm: z.number().int().positive().nullish(),
  daily_tokens: z.number().int().positive().nullish(),
  monthly_tokens: z.number().int().positive().nullish(),
  expires_at: z.iso.datetime({ offset: true }).nullish(),
};
export const CreateKeySchema = z.object({ name: z.string().min(1).max(200), ...Limits }).strict();
export const PatchKeySchema = z.object({ name: z.string().min(1).max(200).optional(), ...Limits }).strict();

const nullableInt = z.number().int().nullable();
const iso = z.iso.datetime();
export const ApiKeySchema = z.object({
  id: z.string(),
  object: z.literal("api_key"),
  name: z.string(),
  prefix: z.string().meta({ description: "The key's first characters, to recognise it." }),
  models: z.array(z.string()).nullable().meta({ description: "Model globs the key may use; null: any." }),
  rpm: nullableInt,
  tpm: nullableInt,
  daily_tokens: nullableInt,
  monthly_tokens: nullableInt,
  expires_at: iso.nullable(),
  revoked: z.boolean(),
  created_at: iso,
  last_used_at: iso.nullable(),
});
export const CreatedKeySchema = ApiKeySchema.extend({ key: z.string().meta({ description: "The key itself (sk-sy-…), shown this once." }) });
export const ApiKeyListSchema = z.object({ object: z.literal("list"), data: z.array(ApiKeySchema) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue?.path.join(".") || null;
  throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid"}`, param, "invalid_value");
}

/** Keys as the admin API shows them: never the hash, never the key. */
export const keyView = (k: ApiKey): z.infer<typeof ApiKeySchema> => ({
  id: k.id,
  object: "api_key",
  name: k.name,
  prefix: k.prefix,
  models: k.models,
  rpm: k.rpm,
  tpm: k.tpm,
  daily_tokens: k.dailyTokens,
  monthly_tokens: k.monthlyTokens,
  expires_at: k.expiresAt?.toISOString() ?? null,
  revoked: k.revokedAt !== null,
  created_at: k.createdAt.toISOString(),
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
});

const limitsPatch = (b: z.infer<typeof PatchKeySchema>) => ({
  ...(b.name !== undefined ? { name: b.name } : {}),
  ...(b.models !== undefined ? { models: b.models } : {}),
  ...(b.rpm !== undefined ? { rpm: b.rpm } : {}),
  ...(b.tpm !== undefined ? { tpm: b.tpm } : {}),
  ...(b.daily_tokens !== undefined ? { dailyTokens: b.daily_tokens } : {}),
  ...(b.monthly_tokens !== undefined ? { monthlyTokens: b.monthly_tokens } : {}),
  ...(b.expires_at !== undefined ? { expiresAt: b.expires_at === null ? null : new Date(b.expires_at) } : {}),
});

export async function createKey(c: Context<AppEnv>) {
  const b = parse(CreateKeySchema, await readJson(c));
  const { deps } = c.var;
  const { key, record } = await createApiKey(deps.store, deps.hasher, { name: b.name, ...limitsPatch(b) });
  deps.access.invalidate();
  c.get("log").info(`created API key ${record.id} (${record.prefix}…) "${record.name}"`);
  return c.json({ ...keyView(record), key } satisfies z.infer<typeof CreatedKeySchema>, 201);
}

export async function listKeys(c: Context<AppEnv>) {
  return c.json({ object: "list" as const, data: (await c.get("deps").store.listKeys()).map(keyView) } satisfies z.infer<typeof ApiKeyListSchema>);
}

export async function patchKey(c: Context<AppEnv>) {
  const b = parse(PatchKeySchema, await readJson(c));
  const updated = await c.get("deps").store.updateKey(pathId(c, "API key"), limitsPatch(b));
  if (!updated) throw notFound("No API key with that id.");
  c.get("deps").access.invalidate();
  return c.json(keyView(updated));
}

export async function revokeKey(c: Context<AppEnv>) {
  const revoked = await c.get("deps").store.revokeKey(pathId(c, "API key"));
  if (!revoked) throw notFound("No API key with that id.");
  c.get("deps").access.invalidate();
  return c.json(keyView(revoked));
}
