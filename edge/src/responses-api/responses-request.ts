/**
 * @module OpenAI's Responses API request (POST /v1/responses), validated with zod. Input items
 * are kept as the client sent them (ids added) to be stored and listed; the chat request the
 * gateway runs is built from them and the stored history (input-items.ts).
 */
import { invalidRequest } from "@switchyard/shared/errors";
import { z } from "zod";
import { parseBody, PositiveInt } from "../openai/chat-request.ts";

const InputText = z.object({ type: z.literal("input_text"), text: z.string() });
const OutputText = z.object({ type: z.literal("output_text"), text: z.string() }).loose();
const InputImage = z
  .object({ type: z.literal("input_image"), image_url: z.string().min(1).nullish(), file_id: z.string().nullish(), detail: z.enum(["auto", "low", "high"]).nullish() })
  .loose();
const ContentPart = z.discriminatedUnion("type", [InputText, OutputText, InputImage]);

const MessageItem = z
  .object({
    type: z.literal("message").optional(),
    id: z.string().optional(),
    role: z.enum(["user", "assistant", "system", "developer"]),
    content: z.union([z.string(), z.array(ContentPart)]),
    status: z.string().optional(),
  })
  .loose();
const FunctionCallItem = z
  .object({ type: z.literal("function_call"), id: z.string().optional(), call_id: z.string().min(1), name: z.string().min(1), arguments: z.string(), status: z.string().optional() })
  .loose();
const FunctionCallOutputItem = z
  .object({ type: z.literal("function_call_output"), id: z.string().optional(), call_id: z.string().min(1), output: z.union([z.string(), z.array(ContentPart)]), status: z.string().optional() })
  .loose();

const ITEM_TYPES = ["message", "function_call", "function_call_output"] as const;
const InputItem = z.union([MessageItem, FunctionCallItem, FunctionCallOutputItem]);

export type MessageInput = z.infer<typeof MessageItem>;
export type FunctionCallInput = z.infer<typeof FunctionCallItem>;
export type FunctionCallOutputInput = z.infer<typeof FunctionCallOutputItem>;
export type InputItem = z.infer<typeof InputItem>;

const FunctionTool = z.object({
  type: z.literal("function"),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'"),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

const ToolChoice = z.union([z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), name: z.string() })]);

const TextFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({ type: z.literal("json_schema"), name: z.string().min(1), schema: z.record(z.string(), z.unknown()), description: z.string().nullish(), strict: z.boolean().nullish() }),
]);

const RequestFields = z.object({
    model: z.string().min(1),
    input: z.union([z.string().min(1), z.array(z.unknown()).min(1)]),
    instructions: z.string().nullish(),
    max_output_tokens: PositiveInt.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    tools: z.array(z.unknown()).max(128).nullish(),
    tool_choice: ToolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    text: z.object({ format: TextFormat.nullish() }).loose().nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
    store: z.boolean().nullish(),
    stream: z.boolean().nullish(),
    previous_response_id: z.string().min(1).nullish(),
    user: z.string().nullish(),
    seed: z.number().int().nullish(),
});

/** Unknown fields are let through (clients send more than this gateway models). */
export const ResponsesRequestSchema = RequestFields.loose();

/** The request as documented (/openapi.json): items and tools with the schemas each is checked against. */
export const ResponsesRequestDocSchema = RequestFields.extend({ input: z.union([z.string().min(1), z.array(InputItem).min(1)]), tools: z.array(FunctionTool).max(128).nullish() }).loose();

export type ResponsesRequest = Omit<z.infer<typeof RequestFields>, "input" | "tools"> & {
  input: InputItem[];
  tools: Array<z.infer<typeof FunctionTool>>;
};

/** Parses the body; every input item and tool is checked on its own, so an error names its index. */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  const r = parseBody(ResponsesRequestSchema, body);
  const input: InputItem[] =
    typeof r.input === "string" ? [{ type: "message", role: "user", content: r.input }] : r.input.map((item, i) => parseAt(itemSchema(item, i), item, `input[${i}]`));
  const tools = (r.tools ?? []).map((t, i) => {
    if (typeof t === "object" && t !== null && "type" in t && t.type !== "function")
      throw invalidRequest(`Only function tools are served by this gateway; '${String(t.type)}' is not.`, `tools[${i}].type`, "unsupported_tool");
    return parseAt(FunctionTool, t, `tools[${i}]`);
  });
  return { ...r, input, tools };
}

function itemSchema(item: unknown, i: number): z.ZodType<InputItem> {
  const type = typeof item === "object" && item !== null && "type" in item ? item.type : "message";
  if (type === "message") return MessageItem;
  if (type === "function_call") return FunctionCallItem;
  if (type === "function_call_output") return FunctionCallOutputItem;
  throw invalidRequest(`Unknown input item type '${String(type)}'; this gateway takes ${ITEM_TYPES.join(", ")}.`, `input[${i}].type`, "unsupported_item");
}

const parseAt = <T>(schema: z.ZodType<T>, value: unknown, at: string): T => parseBody(schema, value, at) as T;
