/**
 * @module The Response object as OpenAI's API returns it: the request's settings echoed, the
 * status (in_progress, completed, incomplete with its reason, failed with its error), the
 * output items and usage.
 */
import type { GatewayError } from "@switchyard/shared/errors";
import { z } from "zod";
import type { OutputItem, ResponseUsage } from "./response-output.ts";
import type { ResponsesRequest } from "./responses-request.ts";

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export interface ResponseState {
  status: ResponseStatus;
  output: OutputItem[];
  usage: ResponseUsage | null;
  error: GatewayError | null;
}

export interface ResponseMeta {
  id: string;
  createdAt: number;
  request: ResponsesRequest;
}

export function responseObject(meta: ResponseMeta, state: ResponseState): z.infer<typeof ResponseObjectSchema> {
  const r = meta.request;
  return {
    id: meta.id,
    object: "response" as const,
    created_at: meta.createdAt,
    status: state.status,
    background: false,
    error: state.error ? { code: state.error.code ?? "server_error", message: state.error.message } : null,
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" as const } : null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model: r.model,
    output: state.output,
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: r.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: r.store ?? true,
    temperature: r.temperature ?? 1,
    text: { format: r.text?.format ?? { type: "text" as const } },
    tool_choice: r.tool_choice ?? "auto",
    tools: r.tools.map((t) => ({ type: "function" as const, name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? true })),
    top_p: r.top_p ?? 1,
    truncation: "disabled" as const,
    usage: state.usage,
    user: r.user ?? null,
    metadata: r.metadata ?? {},
  };
}

export type ResponseObject = z.infer<typeof ResponseObjectSchema>;

const OutputTextSchema = z.object({ type: z.literal("output_text"), text: z.string(), annotations: z.array(z.never()), logprobs: z.array(z.never()) });
const ItemStatus = z.enum(["in_progress", "completed", "incomplete"]);
const OutputItemSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message"), id: z.string(), status: ItemStatus, role: z.literal("assistant"), content: z.array(OutputTextSchema) }),
  z.object({ type: z.literal("function_call"), id: z.string(), call_id: z.string(), name: z.string(), arguments: z.string(), status: ItemStatus }),
]);

/** The Response object, as documented in /openapi.json. */
export const ResponseObjectSchema = z.object({
  id: z.string(),
  object: z.literal("response"),
  created_at: z.number().int(),
  status: z.enum(["in_progress", "completed", "incomplete", "failed"]),
  background: z.boolean(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  incomplete_details: z.object({ reason: z.literal("max_output_tokens") }).nullable(),
  instructions: z.string().nullable(),
  max_output_tokens: z.number().int().nullable(),
  model: z.string(),
  output: z.array(OutputItemSchema),
  parallel_tool_calls: z.boolean(),
  previous_response_id: z.string().nullable(),
  reasoning: z.object({ effort: z.null(), summary: z.null() }),
  store: z.boolean(),
  temperature: z.number(),
  text: z.object({ format: z.object({ type: z.enum(["text", "json_object", "json_schema"]) }).loose() }),
  tool_choice: z.union([z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), name: z.string() })]),
  tools: z.array(z.object({ type: z.literal("function"), name: z.string(), description: z.string().nullable(), parameters: z.record(z.string(), z.unknown()).nullable(), strict: z.boolean() })),
  top_p: z.number(),
  truncation: z.literal("disabled"),
  usage: z
    .object({
      input_tokens: z.number().int(),
      input_tokens_details: z.object({ cached_tokens: z.number().int() }),
      output_tokens: z.number().int(),
      output_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
      total_tokens: z.number().int(),
    })
    .nullable(),
  user: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
});

export const ResponseDeletedSchema = z.object({ id: z.string(), object: z.literal("response"), deleted: z.literal(true) });
export const InputItemListSchema = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ id: z.string(), type: z.enum(["message", "function_call", "function_call_output"]) }).loose()),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});
