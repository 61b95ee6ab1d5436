/** @module GET /v1/usage (the calling key's) and GET /admin/usage (by key, model and day). */
import { invalidRequest } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { UsageSummaryRow } from "../store/store.ts";

function since(c: Context<AppEnv>): Date {
  const days = Number(c.req.query("days") ?? "30");
  if (!Number.isInteger(days) || days < 1 || days > 366) throw invalidRequest("days must be an integer from 1 to 366.", "days", "invalid_value");
  return new Date(Date.now() - days * 86_400_000);
}

const view = (r: UsageSummaryRow) => ({
  key_id: r.keyId,
  model: r.model,
  day: r.day,
  requests: r.requests,
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: r.promptTokens + r.completionTokens,
});

export async function myUsage(c: Context<AppEnv>) {
  const rows = await c.var.deps.store.usageForKey(c.var.caller.key?.id ?? null, since(c));
  return c.json({ object: "list", data: rows.map(view) });
}

export async function adminUsage(c: Context<AppEnv>) {
  return c.json({ object: "list", data: (await c.var.deps.store.usageSummary(since(c))).map(view) });
}
