/**
 * @module The Workers entry: the same Hono app (createGateway) behind a Workers `fetch`.
 * Workers forbid one request's I/O objects in another, so NATS is reached either through the
 * NatsHub Durable Object that holds one connection (nats-hub.ts; NATS_MODE=hub, wrangler.toml's
 * default) or with a connection per request (per-request.ts; also what runs when no NatsHub
 * binding exists). docs/architecture.md compares the two.
 */
import { createLogger } from "@switchyard/shared/log";
import { DEFAULT_SEND_TIMEOUT_MS, sendTimeoutMsSchema } from "./config.ts";
import { edgeSettings, type ExecutionContextLike, setupFailure, type WorkersEnv } from "./workers-edge/edge-env.ts";
import { callHub } from "./workers-edge/hub-call.ts";
import { IsolateState, servePerRequest } from "./workers-edge/per-request.ts";

export { NatsHub } from "./workers-edge/nats-hub.ts";

const isolate = new IsolateState();
const log = createLogger("edge");

export default {
  async fetch(request: Request, env: WorkersEnv, ctx: ExecutionContextLike): Promise<Response> {
    if (env.NATS_MODE === "hub" && env.NATS_HUB) {
      const shards = Math.max(1, Number(env.NATS_HUB_SHARDS ?? 1) || 1);
      // A bad value is refused by the hub's own settings check (config_error); here it is the default.
      const sendTimeout = sendTimeoutMsSchema.safeParse(env.SEND_TIMEOUT_MS || undefined);
      return callHub(request, env.NATS_HUB, shards, ctx, sendTimeout.success ? sendTimeout.data : DEFAULT_SEND_TIMEOUT_MS, log);
    }
    let settings: ReturnType<typeof edgeSettings>;
    try {
      settings = edgeSettings(env);
    } catch (err) {
      log.error(`edge setup failed: ${(err as Error).message}`);
      return setupFailure(err);
    }
    return servePerRequest(request, settings, isolate, ctx, log);
  },
};
