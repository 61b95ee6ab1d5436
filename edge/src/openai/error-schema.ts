/** @module OpenAI's error body as a zod schema: what app.onError writes for every GatewayError (GatewayError.toJSON). */
import type { OpenAIErrorBody, OpenAIErrorType } from "@switchyard/shared/errors";
import { z } from "zod";

const TYPES = [
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "rate_limit_error",
  "server_error",
  "api_error",
] as const satisfies readonly OpenAIErrorType[];

export const OpenAIErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.enum(TYPES),
    param: z.string().nullable().meta({ description: "The request field at fault, when one is." }),
    code: z.string().nullable().meta({ description: "A stable code, e.g. `model_not_found`, `queue_full`, `context_length_exceeded`." }),
  }),
}) satisfies z.ZodType<OpenAIErrorBody>;
