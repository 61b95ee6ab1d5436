/** @module GET /health (the process is up) and GET /ready (bus connected and a model served). */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";

export const HealthSchema = z.object({ status: z.literal("ok") });
export const ReadySchema = z.object({
  ready: z.boolean(),
  bus: z.object({ kind: z.string(), connected: z.boolean() }),
  models: z.number().int().meta({ description: "Local models served now." }),
  store: z.object({
    driver: z.string(),
    pending_writes: z.number().int().meta({ description: "Usage and conversation writes waiting for the database." }),
    lost_writes: z.number().int(),
  }),
});

export const health = (c: Context<AppEnv>) => c.json({ status: "ok" as const } satisfies z.infer<typeof HealthSchema>);

export function ready(c: Context<AppEnv>) {
  const { bus, providers } = c.get("deps");
  // Ready means the local path works: the bus is up and a worker serves a model.
  const models = providers.filter((p) => p.name === "local").flatMap((p) => p.listModels().map((m) => m.id));
  const busConnected = bus.isConnected();
  const ok = busConnected && models.length > 0;
  const { writes, store } = c.get("deps");
  return c.json(
    {
      ready: ok,
      bus: { kind: bus.kind, connected: busConnected },
      models: models.length,
      // Usage and conversation writes waiting for the database (retried until they land).
      store: { driver: store.driver, pending_writes: writes.backlog, lost_writes: writes.lost },
    } satisfies z.infer<typeof ReadySchema>,
    ok ? 200 : 503,
  );
}
