/**
 * @module The front Worker's side of the hub design: a request goes to a NatsHub shard with a
 * call id of the front's own, and the reply's body is relayed back. A client that goes away
 * cancels the relayed body here; the front then tells the hub so explicitly (POST
 * /__hub/cancel with the call id), because a cancel crossing the Durable Object boundary as a
 * stream cancel alone was seen lost under load (the generation ran on for nobody). Clients
 * never reach /__hub/ paths: the front answers them 404.
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { Logger } from "@switchyard/shared/log";
import { type DurableObjectNamespaceLike, type ExecutionContextLike, logSendTimeout } from "./edge-env.ts";
import { relayBody } from "./relay-body.ts";

/** Set by the front on every request it passes to the hub (a client's own value is replaced). */
export const HUB_CALL_HEADER = "x-switchyard-hub-call";
export const HUB_PATH_PREFIX = "/__hub/";
export const HUB_CANCEL_PATH = `${HUB_PATH_PREFIX}cancel`;

/** `sendTimeoutMs`: the client-facing relay's (relay-body.ts); the hub's own relay has none. */
export async function callHub(request: Request, hubs: DurableObjectNamespaceLike, shards: number, ctx: ExecutionContextLike, sendTimeoutMs: number, log: Logger): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.startsWith(HUB_PATH_PREFIX)) {
    const e = GatewayError.fromStatus(404, `Unknown path ${request.method} ${url.pathname}`, "not_found");
    return Response.json(e.toJSON(), { status: 404 });
  }
  const hub = hubs.get(hubs.idFromName(`hub-${Math.floor(Math.random() * shards)}`));
  const call = crypto.randomUUID();
  const headers = new Headers(request.headers);
  headers.set(HUB_CALL_HEADER, call);
  const response = await hub.fetch(new Request(request, { headers }));
  const cancelAtHub = async () => {
    const res = await hub.fetch(new Request(`${url.origin}${HUB_CANCEL_PATH}`, { method: "POST", headers: { [HUB_CALL_HEADER]: call } }));
    await res.body?.cancel();
  };
  return relayBody(response, {
    onEnd: (cancelled) => {
      if (cancelled) ctx.waitUntil(cancelAtHub().catch(() => {}));
    },
    sendTimeoutMs,
    onSendTimeout: (ms) => logSendTimeout(log, response, ms),
  }).response;
}
