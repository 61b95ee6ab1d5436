/**
 * @module Responses items → the gateway's chat messages. The history of a continued response
 * (each earlier response's input and output items, oldest first) comes before this request's
 * input; consecutive function calls become one assistant message with tool calls, and each
 * function_call_output a tool message, which must answer a call made earlier (else a 400).
 */
import { invalidRequest } from "@switchyard/shared/errors";
import type { ContentPart, NormalizedMessage } from "../chat/normalized.ts";
import type { InputItem, MessageInput } from "./responses-request.ts";

/** An item as stored and listed: every item has an id. */
export type StoredItem = InputItem & { id: string };

const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;

/** Every item with its type (a bare `{role, content}` is a message) and an id. */
export function withIds(items: InputItem[]): StoredItem[] {
  return items.map((item) => {
    const prefix = item.type === "function_call" ? "fc" : item.type === "function_call_output" ? "fco" : "msg";
    return { ...item, type: item.type ?? "message", id: item.id ?? newId(prefix) } as StoredItem;
  });
}

/**
 * The messages to send: instructions first, then the history, then this request's input.
 * Errors name the request's own input items (`input[i]...`).
 */
export function toMessages(instructions: string | null | undefined, history: InputItem[], input: InputItem[]): NormalizedMessage[] {
  const messages: NormalizedMessage[] = instructions ? [{ role: "system", content: instructions }] : [];
  const calls = new Set<string>();
  const add = (item: InputItem, at: string | undefined) => {
    if (item.type === "function_call") {
      calls.add(item.call_id);
      const call = { id: item.call_id, name: item.name, arguments: item.arguments };
      // A call joins the assistant turn before it (its text, or the calls made with it).
      const last = messages.at(-1);
      if (last?.role === "assistant") last.toolCalls = [...(last.toolCalls ?? []), call];
      else messages.push({ role: "assistant", content: "", toolCalls: [call] });
    } else if (item.type === "function_call_output") {
      if (!calls.has(item.call_id)) {
        if (at !== undefined) throw invalidRequest(`No function call with call_id '${item.call_id}' was made before this output.`, `${at}.call_id`, "invalid_value");
        return;
      }
      messages.push({ role: "tool", content: textOf(item.output), toolCallId: item.call_id });
    } else messages.push(message(item));
  };
  for (const item of history) add(item, undefined);
  for (const [i, item] of input.entries()) add(item, `input[${i}]`);
  return messages;
}

function message(item: MessageInput): NormalizedMessage {
  if (typeof item.content === "string") return { role: item.role, content: item.content };
  const parts = item.content.map((p): ContentPart => {
    if (p.type !== "input_image") return { type: "text", text: p.text };
    return { type: "image", url: p.image_url ?? `file:${p.file_id ?? ""}`, ...(p.detail ? { detail: p.detail } : {}) };
  });
  return { role: item.role, content: parts.every((p) => p.type === "text") ? parts.map((p) => (p.type === "text" ? p.text : "")).join("") : parts };
}

const textOf = (output: string | Array<{ type: string; text?: string }>): string => (typeof output === "string" ? output : output.map((p) => p.text ?? "").join(""));
