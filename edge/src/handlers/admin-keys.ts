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
const CreateKey = z.object({ name: z.string().min(1).max(200), ...Limits }).strict();
const PatchKey = z.object({ name: z.string().min(1).max(200).optional(), ...Limits }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue?.path.join(".") || null;
  throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid"}`, param, "invalid_value");
}

/** Keys as the admin API shows them: never the hash, never the key. */
export const keyView = (k: ApiKey) => ({
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

const limitsPatch = (b: z.infer<typeof PatchKey>) => ({
  ...(b.name !== undefined ? { name: b.name } : {}),
  ...(b.models !== undefined ? { models: b.models } : {}),
  ...(b.rpm !== undefined ? { rpm: b.rpm } : {}),
  ...(b.tpm !== undefined ? { tpm: b.tpm } : {}),
  ...(b.daily_tokens !== undefined ? { dailyTokens: b.daily_tokens } : {}),
  ...(b.monthly_tokens !== undefined ? { monthlyTokens: b.monthly_tokens } : {}),
  ...(b.expires_at !== undefined ? { expiresAt: b.expires_at === null ? null : new Date(b.expires_at) } : {}),
});

export async function createKey(c: Context<AppEnv>) {
  const b = parse(CreateKey, await readJson(c));
  const { deps } = c.var;
  const { key, record } = await createApiKey(deps.store, deps.hasher, { name: b.name, ...limitsPatch(b) });
  deps.access.invalidate();
  c.var.log.info(`created API key ${record.id} (${record.prefix}…) "${record.name}"`);
  return c.json({ ...keyView(record), key }, 201);
}

export async function listKeys(c: Context<AppEnv>) {
  return c.json({ object: "list", data: (await c.var.deps.store.listKeys()).map(keyView) });
}

export async function patchKey(c: Context<AppEnv>) {
  const b = parse(PatchKey, await readJson(c));
  const updated = await c.var.deps.store.updateKey(pathId(c, "API key"), limitsPatch(b));
  if (!updated) throw notFound("No API key with that id.");
  c.var.deps.access.invalidate();
  return c.json(keyView(updated));
}

export async function revokeKey(c: Context<AppEnv>) {
  const revoked = await c.var.deps.store.revokeKey(pathId(c, "API key"));
  if (!revoked) throw notFound("No API key with that id.");
  c.var.deps.access.invalidate();
  return c.json(keyView(revoked));
}
