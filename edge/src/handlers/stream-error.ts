/**
 * @module An SSE stream's `onError`: logs why the stream ended and turns the failure into its
 * last event. It takes the request's logger, not its Hono context: a closure over the context
 * would keep it (its request, its variables, its per-instance methods: ~3 KB) alive for as long
 * as the stream stays open, where a stream's own state is all that needs to be.
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { Logger } from "@switchyard/shared/log";

export const loggedStreamError =
  (log: Logger, body: (e: GatewayError) => unknown) =>
  (err: unknown): unknown => {
    const e = GatewayError.from(err);
    log.warn(`stream ended with error ${e.status} ${e.code}: ${e.message}`);
    return body(e);
  };
