/** @module GatewayError → Anthropic's error body, for the Anthropic-compatible endpoint. */
import type { GatewayError } from "@switchyard/shared/errors";
import { z } from "zod";

export const AnthropicErrorSchema = z.object({
  type: z.literal("error"),
  error: z.object({ type: z.string().meta({ description: "e.g. `invalid_request_error`, `overloaded_error`." }), message: z.string() }),
});

export function anthropicErrorType(e: GatewayError): string {
  if (e.status === 503 || e.status === 529) return "overloaded_error";
  switch (e.type) {
    case "authentication_error":
    case "permission_error":
    case "not_found_error":
    case "rate_limit_error":
    case "invalid_request_error":
      return e.status === 404 ? "not_found_error" : e.type;
    default:
      return e.status === 413 ? "request_too_large" : "api_error";
  }
}

export const anthropicErrorBody = (e: GatewayError): z.infer<typeof AnthropicErrorSchema> => ({ type: "error", error: { type: anthropicErrorType(e), message: e.message } });
