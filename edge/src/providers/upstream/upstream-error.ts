/**
 * @module Upstream failures (from the openai and @anthropic-ai/sdk SDKs) → GatewayError,
 * keeping their meaning for our client: the upstream's 400 stays a 400 with its message; a
 * rejected provider key is our fault, not the client's (502); 429 keeps retry-after.
 *
 * The provider hands over its SDK's error classes (both SDKs, made by the same generator, have
 * the same four), so this module loads no SDK itself: a gateway without an Anthropic key never
 * loads @anthropic-ai/sdk (about 9 MB of resident memory).
 */
import { GatewayError } from "@switchyard/shared/errors";

/** What fromStatus reads off an SDK's APIError. */
interface SdkApiError extends Error {
  status: number | undefined;
  headers: Headers | undefined;
  error: unknown;
}

type ErrorClass<T> = abstract new (...args: never[]) => T;

/** The error classes an SDK's client class carries as statics (`OpenAI`, `Anthropic`). */
export interface SdkErrors {
  APIError: ErrorClass<SdkApiError>;
  APIConnectionError: ErrorClass<Error>;
  APIConnectionTimeoutError: ErrorClass<Error>;
  APIUserAbortError: ErrorClass<Error>;
}

export interface UpstreamInfo {
  provider: string;
  apiKeyEnv: string;
  sdk: SdkErrors;
}

/**
 * `signal` is the call's: once it has fired (the client went away), whatever broke is the
 * cancel's doing (a body read cut mid-way fails as a connection reset) and is booked as one.
 */
export function upstreamError(err: unknown, info: UpstreamInfo, signal?: AbortSignal): GatewayError {
  if (err instanceof GatewayError) return err;
  const { sdk } = info;
  // Timeout and abort first: both SDKs make them subclasses of the connection error.
  if (err instanceof sdk.APIConnectionTimeoutError)
    return new GatewayError(`${info.provider} did not answer in time.`, { status: 504, type: "server_error", code: "upstream_timeout", cause: err });
  if (err instanceof sdk.APIUserAbortError || signal?.aborted)
    return new GatewayError("The request was cancelled.", { status: 499, type: "invalid_request_error", code: "cancelled", cause: err });
  if (err instanceof sdk.APIConnectionError)
    return new GatewayError(`Could not reach ${info.provider}: ${err.message}`, { status: 502, type: "server_error", code: "upstream_unreachable", cause: err });
  if (err instanceof sdk.APIError) return fromStatus(err, info);
  // Anything else from an SDK stream is a reply we could not read (e.g. a broken SSE frame).
  const detail = err instanceof Error ? err.message : String(err);
  return new GatewayError(`${info.provider} sent a response the gateway could not read: ${detail}`, {
    status: 502,
    type: "server_error",
    code: "bad_upstream_response",
    cause: err,
  });
}

function fromStatus(err: SdkApiError, info: UpstreamInfo): GatewayError {
  const status = err.status;
  const message = upstreamMessage(err);
  if (status === undefined) {
    // Errors inside an SSE stream (e.g. Anthropic's `event: error`) carry no HTTP status.
    const overloaded = /overloaded/i.test(message);
    return new GatewayError(`${info.provider} failed mid-stream: ${message}`, {
      status: overloaded ? 503 : 502,
      type: "server_error",
      code: overloaded ? "upstream_overloaded" : "upstream_error",
      cause: err,
    });
  }
  if (status === 401 || status === 403)
    return new GatewayError(`The gateway's API key for ${info.provider} was rejected (check ${info.apiKeyEnv}): ${message}`, {
      status: 502,
      type: "server_error",
      code: "provider_auth_error",
      cause: err,
    });
  if (status === 429) {
    const retryAfter = err.headers?.get("retry-after");
    return new GatewayError(`${info.provider} rate limit: ${message}`, {
      status: 429,
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      cause: err,
      ...(retryAfter ? { headers: { "retry-after": retryAfter } } : {}),
    });
  }
  if (status >= 500)
    return new GatewayError(`${info.provider} failed (${status}): ${message}`, {
      status: status === 503 || status === 529 ? 503 : status === 504 ? 504 : 502,
      type: "server_error",
      code: "upstream_error",
      cause: err,
    });
  const code = upstreamCode(err);
  const e = GatewayError.fromStatus(status, message, status === 404 ? (code ?? "model_not_found") : code, upstreamParam(err));
  return e;
}

interface ErrorBody {
  message?: unknown;
  code?: unknown;
  type?: unknown;
  param?: unknown;
  error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown };
}

const body = (err: SdkApiError): ErrorBody => (typeof err.error === "object" && err.error !== null ? (err.error as ErrorBody) : {});

function upstreamMessage(err: SdkApiError): string {
  const b = body(err);
  const m = b.error?.message ?? b.message;
  return typeof m === "string" && m.length > 0 ? m : err.message;
}

function upstreamCode(err: SdkApiError): string | null {
  const b = body(err);
  const c = b.error?.code ?? b.code ?? b.error?.type ?? b.type;
  return typeof c === "string" ? c : null;
}

function upstreamParam(err: SdkApiError): string | null {
  const b = body(err);
  const p = b.error?.param ?? b.param;
  return typeof p === "string" ? p : null;
}
