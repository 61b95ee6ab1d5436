/** @module A short conversation title from a configured model (TITLE_MODEL, or the one asked for). */
import { withFirst } from "../chat/with-first.ts";
import { invalidRequest } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { chatRequest } from "../chat/normalized.ts";
import { startChat } from "../routing/run-chain.ts";
import type { StoredMessage } from "../store/store.ts";

const MAX_TITLE = 80;

export async function generateTitle(c: Context<AppEnv>, messages: StoredMessage[], asked: string | undefined): Promise<string> {
  const { router, config, limiter } = c.get("deps");
  const model = asked ?? config.titleModel ?? c.get("deps").providers.find((p) => p.name === "local")?.listModels()[0]?.id;
  if (!model) throw invalidRequest("No model to write the title with: set TITLE_MODEL or pass {\"model\": …}.", "model", "no_title_model");
  const admission = await limiter.admit(c.get("caller").key, model);
  const transcript = messages
    .slice(0, 6)
    .map((m) => `${m.role}: ${m.content.slice(0, 500)}`)
    .join("\n");
  const request = chatRequest({
    model,
    messages: [
      { role: "system", content: "Write a title of at most six words for this conversation. Answer with the title only." },
      { role: "user", content: transcript },
    ],
    maxTokens: 16,
    temperature: 0.2,
    stop: ["\n"],
  });
  const ctx = { requestId: c.get("requestId"), signal: c.req.raw.signal, deadlineUnixMs: Date.now() + config.requestTimeoutMs };
  const { first, events } = await startChat(router.resolve(model), request, ctx, c.get("log"));
  let text = "";
  let tokens = 0;
  for await (const e of withFirst(first, events)) {
    if (e.type === "token") text += e.text;
    if (e.type === "usage") tokens = e.promptTokens + e.completionTokens;
  }
  admission.spend(tokens);
  const title = text.replace(/\s+/g, " ").replace(/^["'\s]+|["'\s]+$/g, "").slice(0, MAX_TITLE);
  return title || "Untitled";
}
