/**
 * @module POST /v1/embeddings: validates, admits the caller (limits), routes with fallbacks,
 * answers OpenAI's JSON, and accounts for it as a chat is: a usage row, the token spend and
 * the request metrics, whatever the outcome. A client that goes away cancels the work on the
 * worker (the request's signal reaches the bus call).
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { embeddingsResponse } from "../openai/embeddings-response.ts";
import { parseEmbeddingsRequest } from "../openai/embeddings-request.ts";
import { embedOnChain } from "../routing/run-chain.ts";
import { readJson } from "./read-json.ts";

export async function embeddings(c: Context<AppEnv>): Promise<Response> {
  const request = parseEmbeddingsRequest(await readJson(c));
  const { router, limiter, config, usage, metrics, inFlight } = c.get("deps");
  const key = c.get("caller").key;
  const admission = await limiter.admit(key, request.model);
  for (const [name, value] of Object.entries(admission.headers)) c.header(name, value);
  let status = 499;
  let target = "none";
  let promptTokens = 0;
  const done = inFlight.begin();
  try {
    const answered = await embedOnChain(
      router.resolve(request.model),
      request,
      { requestId: c.get("requestId"), signal: c.req.raw.signal, deadlineUnixMs: Date.now() + config.requestTimeoutMs },
      c.get("log"),
    );
    const { result } = answered;
    target = `${answered.target.provider.name}:${answered.target.upstreamModel}`;
    promptTokens = result.promptTokens;
    status = 200;
    c.header("x-switchyard-provider", answered.target.provider.name);
    if (result.workerId) c.header("x-switchyard-worker", result.workerId);
    c.get("log").info(`embeddings ${request.model} -> ${target}${result.workerId ? ` worker ${result.workerId}` : ""} inputs=${result.vectors.length}`);
    return c.json(embeddingsResponse(result, request.model, request.encodingFormat));
  } catch (err) {
    status = GatewayError.from(err).status;
    throw err;
  } finally {
    const latencyMs = Math.round(performance.now() - c.get("startedAt"));
    admission.spend(promptTokens);
    usage.add({ keyId: key?.id ?? null, model: request.model, target, status, requestId: c.get("requestId"), promptTokens, completionTokens: 0, latencyMs, ttftMs: null });
    metrics.observe(request.model, target, status, latencyMs, null, promptTokens, 0);
    done();
  }
}
