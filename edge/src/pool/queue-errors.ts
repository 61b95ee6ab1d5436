/** @module The answers of a full or slow queue, in OpenAI's error shape with retry-after. */
import { GatewayError } from "@switchyard/shared/errors";

export const queueFull = (model: string, queueMax: number, retryAfter: number): GatewayError =>
  new GatewayError(`Every slot for '${model}' is busy and ${queueMax} requests are already waiting; retry after ${retryAfter} s.`, {
    status: 429,
    type: "rate_limit_error",
    code: "queue_full",
    headers: { "retry-after": String(retryAfter) },
  });

export const queueTimeout = (model: string, queueTimeoutMs: number, retryAfter: number): GatewayError =>
  new GatewayError(`No slot for '${model}' became free within ${queueTimeoutMs} ms; retry after ${retryAfter} s.`, {
    status: 503,
    type: "server_error",
    code: "queue_timeout",
    headers: { "retry-after": String(retryAfter) },
  });

/** The client went away while it waited (499, as nginx logs it); nobody reads it but the logs. */
export const cancelled = (): GatewayError =>
  new GatewayError("The client went away while the request waited for a slot.", { status: 499, type: "invalid_request_error", code: "cancelled" });
