/**
 * @module The gateway's Hono app, independent of runtime (Node or Workers). The route table
 * is here, on one screen; handlers live in handlers/.
 */
import { GatewayError } from "@switchyard/shared/errors";
import { Hono, type MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { cors } from "hono/cors";
import type { AppEnv } from "./app-env.ts";
import type { GatewayDeps } from "./deps.ts";
import { anthropicErrorBody } from "./anthropic-api/anthropic-error.ts";
import { chatCompletions } from "./handlers/chat-completions.ts";
import { completions } from "./handlers/completions.ts";
import { createResponse, deleteResponse, getResponse, listInputItems } from "./handlers/responses.ts";
import { chatPage, pageAsset } from "./handlers/chat-page.ts";
import { health, ready } from "./handlers/health.ts";
import { createKey, listKeys, patchKey, revokeKey } from "./handlers/admin-keys.ts";
import { createConversation, deleteConversation, getConversation, listConversations, titleConversation } from "./handlers/conversations.ts";
import { messages } from "./handlers/messages.ts";
import { embeddings } from "./handlers/embeddings.ts";
import { listVoices, speech } from "./handlers/speech.ts";
import { adminUsage, myUsage } from "./handlers/usage.ts";
import { adminAuth } from "./middleware/admin-auth.ts";
import { auth } from "./middleware/auth.ts";
import { bodyLimit } from "./middleware/body-limit.ts";
import { getModel, listModels } from "./handlers/models.ts";
import { loadModel, unloadModel } from "./handlers/admin-models.ts";
import { listWorkers } from "./handlers/admin-workers.ts";
import { metrics } from "./handlers/metrics.ts";
import { openApi } from "./handlers/openapi.ts";
import { requestId } from "./middleware/request-id.ts";

export function createApp(deps: GatewayDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use("*", requestId());
  if (deps.config.corsOrigins) {
    const origins = deps.config.corsOrigins.split(",").map((o) => o.trim());
    app.use("*", cors({ origin: origins.includes("*") ? "*" : origins, exposeHeaders: ["x-request-id"] }));
  }
  const limit = bodyLimit(deps.config.maxBodyBytes);

  const pageEncoding = deps.compressPage ? compress() : passThrough;
  app.get("/", pageEncoding, chatPage);
  app.get("/assets/:file", pageEncoding, pageAsset);
  app.get("/health", health);
  app.get("/ready", ready);
  app.get("/metrics", metrics);
  app.get("/openapi.json", openApi);

  app.use("/v1/*", auth());
  app.get("/v1/models", listModels);
  app.get("/v1/models/:model{.+}", getModel);
  app.post("/v1/chat/completions", limit, chatCompletions);
  app.post("/v1/completions", limit, completions);
  app.post("/v1/responses", limit, createResponse);
  app.get("/v1/responses/:id", getResponse);
  app.delete("/v1/responses/:id", deleteResponse);
  app.get("/v1/responses/:id/input_items", listInputItems);
  app.post("/v1/messages", limit, messages);
  app.post("/v1/audio/speech", limit, speech);
  app.get("/v1/audio/voices", listVoices);
  app.post("/v1/embeddings", limit, embeddings);
  app.get("/v1/usage", myUsage);
  app.post("/v1/conversations", limit, createConversation);
  app.get("/v1/conversations", listConversations);
  app.get("/v1/conversations/:id", getConversation);
  app.delete("/v1/conversations/:id", deleteConversation);
  app.post("/v1/conversations/:id/title", limit, titleConversation);

  app.use("/admin/*", adminAuth());
  app.post("/admin/keys", limit, createKey);
  app.get("/admin/keys", listKeys);
  app.patch("/admin/keys/:id", limit, patchKey);
  app.delete("/admin/keys/:id", revokeKey);
  app.get("/admin/usage", adminUsage);
  app.get("/admin/workers", listWorkers);
  app.post("/admin/models/:id{.+}/load", limit, loadModel);
  app.post("/admin/models/:id{.+}/unload", limit, unloadModel);

  app.notFound((c) => c.json(GatewayError.fromStatus(404, `Unknown path ${c.req.method} ${c.req.path}`, "not_found").toJSON(), 404));
  app.onError((err, c) => {
    const e = GatewayError.from(err);
    const log = c.get("log") ?? deps.log;
    if (e.status >= 500) log.error(`${c.req.method} ${c.req.path} -> ${e.status} ${e.code}: ${e.message}${describeCause(err)}`);
    else log.info(`${c.req.method} ${c.req.path} -> ${e.status} ${e.code}: ${e.message}`);
    for (const [name, value] of Object.entries(e.headers)) c.header(name, value);
    // The Anthropic-compatible endpoint answers in Anthropic's error shape.
    const body = c.req.path === "/v1/messages" ? anthropicErrorBody(e) : e.toJSON();
    return c.json(body, e.status as 400);
  });
  return app;
}

const passThrough: MiddlewareHandler<AppEnv> = async (_c, next) => {
  await next();
};

function describeCause(err: unknown): string {
  if (err instanceof GatewayError && err.cause instanceof Error) return ` (${err.cause.stack ?? err.cause.message})`;
  if (!(err instanceof GatewayError) && err instanceof Error) return ` (${err.stack ?? err.message})`;
  return "";
}
