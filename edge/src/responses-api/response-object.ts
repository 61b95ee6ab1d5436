/**
 * @module The Response object as OpenAI's API returns it: the request's settings echoed, the
 * status (in_progress, completed, incomplete with its reason, failed with its error), the
 * output items and usage.
 */
import type { GatewayError } from "@switchyard/shared/errors";
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

export function responseObject(meta: ResponseMeta, state: ResponseState) {
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

export type ResponseObject = ReturnType<typeof responseObject>;
