/** @module GET /v1/usage (the calling key's) and GET /admin/usage (by key, model and day). */
import { invalidRequest } from "@switchyard/shared/errors";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import type { UsageSummaryRow } from "../store/store.ts";

export const UsageQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30).meta({ description: "How many days back, up to today (UTC)." }),
});
const count = z.number().int();
export const UsageRowSchema = z.object({
  key_id: z.string().nullable().meta({ description: "null: requests made in open mode, without a key." }),
  model: z.string(),
  day: z.string().meta({ description: "UTC day, YYYY-MM-DD." }),
  requests: count,
  cached_requests: count.meta({ description: "Requests answered from the response cache (included in requests; their tokens are not in the token counts)." }),
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count,
});
export const UsageListSchema = z.object({ object: z.literal("list"), data: z.array(UsageRowSchema) });

function since(c: Context<AppEnv>): Date {
  const query = UsageQuerySchema.safeParse(c.req.query());
  if (!query.success) throw invalidRequest("days must be an integer from 1 to 366.", "days", "invalid_value");
  return new Date(Date.now() - query.data.days * 86_400_000);
}

const view = (r: UsageSummaryRow): z.infer<typeof UsageRowSchema> => ({
  key_id: r.keyId,
  model: r.model,
  day: r.day,
  requests: r.requests,
  cached_requests: r.cachedRequests,
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: r.promptTokens + r.completionTokens,
});

export async function myUsage(c: Context<AppEnv>) {
  const rows = await c.get("deps").store.usageForKey(c.get("caller").key?.id ?? null, since(c));
  return c.json({ object: "list" as const, data: rows.map(view) } satisfies z.infer<typeof UsageListSchema>);
}

export async function adminUsage(c: Context<AppEnv>) {
  return c.json({ object: "list" as const, data: (await c.get("deps").store.usageSummary(since(c))).map(view) } satisfies z.infer<typeof UsageListSchema>);
}
