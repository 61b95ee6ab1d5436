/** @module The one error hierarchy: every failure becomes a GatewayError with an HTTP status and OpenAI's error shape. */

export type OpenAIErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error"
  | "api_error";

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null };
}

export interface GatewayErrorInit {
  status: number;
  type: OpenAIErrorType;
  code?: string | null;
  param?: string | null;
  cause?: unknown;
  /** Response headers that go with the error, e.g. retry-after on a 429. */
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(message: string, init: GatewayErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "GatewayError";
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** Rebuilds an error from its status and code, e.g. one a worker sent over the bus. */
  static fromStatus(status: number, message: string, code?: string | null, param?: string | null): GatewayError {
    const type: OpenAIErrorType =
      status === 401
        ? "authentication_error"
        : status === 403
          ? "permission_error"
          : status === 404
            ? "not_found_error"
            : status === 429
              ? "rate_limit_error"
              : status >= 500
                ? "server_error"
                : "invalid_request_error";
    return new GatewayError(message, { status, type, code: code ?? null, param: param ?? null });
  }

  /** Anything thrown becomes a GatewayError; unknown errors are a 500 that hides internals. */
  static from(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    return new GatewayError("Internal server error", { status: 500, type: "server_error", code: "internal_error", cause: err });
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null): GatewayError =>
  new GatewayError(message, { status: 400, type: "invalid_request_error", param, code });

export const modelNotFound = (model: string): GatewayError =>
  new GatewayError(`The model '${model}' does not exist or is not served by this gateway.`, {
    status: 404,
    type: "invalid_request_error",
    param: "model",
    code: "model_not_found",
  });

export const payloadTooLarge = (message: string): GatewayError =>
  new GatewayError(message, { status: 413, type: "invalid_request_error", code: "payload_too_large" });

export const serviceUnavailable = (message: string, code = "service_unavailable"): GatewayError =>
  new GatewayError(message, { status: 503, type: "server_error", code });

export const gatewayTimeout = (message: string): GatewayError =>
  new GatewayError(message, { status: 504, type: "server_error", code: "timeout" });

export const notFound = (message: string, param: string | null = null): GatewayError =>
  new GatewayError(message, { status: 404, type: "not_found_error", code: "not_found", param });
