/** @module Shared by every chat front door: route the request, start it, label the response. */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { NormalizedChatRequest } from "../chat/normalized.ts";
import { type StartedChat, startChat } from "../routing/run-chain.ts";

/** Resolves once a target accepted, so failures before that keep their HTTP status. */
export async function startRoutedChat(c: Context<AppEnv>, request: NormalizedChatRequest): Promise<StartedChat> {
  const { router, config } = c.var.deps;
  const started = await startChat(
    router.resolve(request.model),
    request,
    { requestId: c.var.requestId, signal: c.req.raw.signal, deadlineUnixMs: Date.now() + config.requestTimeoutMs },
    c.var.log,
  );
  const { target, first } = started;
  c.header("x-switchyard-provider", target.provider.name);
  const worker = first?.type === "accepted" ? first.workerId : undefined;
  if (worker) c.header("x-switchyard-worker", worker);
  c.var.log.info(`chat ${request.model} -> ${target.provider.name}:${target.upstreamModel}${worker ? ` worker ${worker}` : ""} stream=${request.stream}`);
  return started;
}

/** When the client goes away or the stream fails, the upstream generation is stopped too. */
export async function* withCleanup<T>(output: AsyncGenerator<T>, upstream: AsyncGenerator<unknown, void, undefined>): AsyncGenerator<T> {
  try {
    yield* output;
  } finally {
    await upstream.return(undefined);
  }
}
