/** @module GET /health (the process is up) and GET /ready (bus connected and a model served). */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";

export const health = (c: Context<AppEnv>) => c.json({ status: "ok" });

export function ready(c: Context<AppEnv>) {
  const { bus, providers } = c.var.deps;
  // Ready means the local path works: the bus is up and a worker serves a model.
  const models = providers.filter((p) => p.name === "local").flatMap((p) => p.listModels().map((m) => m.id));
  const busConnected = bus.isConnected();
  const ok = busConnected && models.length > 0;
  const { writes, store } = c.var.deps;
  return c.json(
    {
      ready: ok,
      bus: { kind: bus.kind, connected: busConnected },
      models: models.length,
      // Usage and conversation writes waiting for the database (retried until they land).
      store: { driver: store.driver, pending_writes: writes.backlog, lost_writes: writes.lost },
    },
    ok ? 200 : 503,
  );
}
