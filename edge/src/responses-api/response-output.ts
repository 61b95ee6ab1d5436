/**
 * @module ChatEvents → a Response's output items, and the stream events that build them in
 * OpenAI's order: an item is added, its content part added, its text (or a call's arguments)
 * streamed as deltas, then done, part done, item done. A text item is closed when a call
 * starts, and a call when the next one does. Sequence numbers are the stream's to add.
 */
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";

export type OutputText = { type: "output_text"; text: string; annotations: never[]; logprobs: never[] };
export type MessageOutput = { type: "message"; id: string; status: "in_progress" | "completed" | "incomplete"; role: "assistant"; content: OutputText[] };
export type FunctionCallOutput = { type: "function_call"; id: string; call_id: string; name: string; arguments: string; status: "in_progress" | "completed" | "incomplete" };
export type OutputItem = MessageOutput | FunctionCallOutput;

/** A stream event before its sequence number. */
export type OutputEvent = { type: string } & Record<string, unknown>;

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
const text = (t: string): OutputText => ({ type: "output_text", text: t, annotations: [], logprobs: [] });

export class OutputBuilder {
  readonly output: OutputItem[] = [];
  usage: ResponseUsage = usageOf(0, 0, 0);
  finish: FinishReason | undefined;
  #open: { item: OutputItem; index: number } | undefined;
  /** Output index of each tool call of the reply (by the call's own index). */
  #calls = new Map<number, number>();

  *add(e: ChatEvent): Generator<OutputEvent> {
    if (e.type === "accepted") this.usage = usageOf(e.promptTokens ?? 0, 0, 0);
    else if (e.type === "usage") this.usage = usageOf(e.promptTokens, e.completionTokens, e.cachedTokens ?? 0);
    else if (e.type === "done") this.finish = e.finishReason;
    else if (e.type === "token" && e.text.length > 0) yield* this.#text(e.text);
    else if (e.type === "tool_call") yield* this.#toolCall(e);
  }

  /** Closes whatever is open: `completed`, or `incomplete` when the reply was cut short. */
  *close(): Generator<OutputEvent> {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    const status = this.finish === "length" || this.finish === undefined ? "incomplete" : "completed";
    const base = { item_id: open.item.id, output_index: open.index };
    if (open.item.type === "message") {
      const part = open.item.content[0]!;
      yield { type: "response.output_text.done", ...base, content_index: 0, text: part.text, logprobs: [] };
      yield { type: "response.content_part.done", ...base, content_index: 0, part: { ...part } };
    } else yield { type: "response.function_call_arguments.done", ...base, name: open.item.name, arguments: open.item.arguments };
    open.item.status = status;
    yield { type: "response.output_item.done", output_index: open.index, item: structuredClone(open.item) };
  }

  *#text(delta: string): Generator<OutputEvent> {
    if (this.#open?.item.type !== "message") {
      yield* this.close();
      const item: MessageOutput = { type: "message", id: newId("msg"), status: "in_progress", role: "assistant", content: [] };
      yield* this.#added(item);
      item.content.push(text(""));
      yield { type: "response.content_part.added", item_id: item.id, output_index: this.#open!.index, content_index: 0, part: text("") };
    }
    const open = this.#open!;
    (open.item as MessageOutput).content[0]!.text += delta;
    yield { type: "response.output_text.delta", item_id: open.item.id, output_index: open.index, content_index: 0, delta, logprobs: [] };
  }

  *#toolCall(e: Extract<ChatEvent, { type: "tool_call" }>): Generator<OutputEvent> {
    if (!this.#calls.has(e.index)) {
      yield* this.close();
      const item: FunctionCallOutput = { type: "function_call", id: newId("fc"), call_id: e.id ?? newId("call"), name: e.name ?? "", arguments: "", status: "in_progress" };
      yield* this.#added(item);
      this.#calls.set(e.index, this.#open!.index);
    }
    const index = this.#calls.get(e.index)!;
    const item = this.output[index] as FunctionCallOutput;
    if (e.name && !item.name) item.name = e.name;
    if (e.arguments.length === 0) return;
    item.arguments += e.arguments;
    yield { type: "response.function_call_arguments.delta", item_id: item.id, output_index: index, delta: e.arguments };
  }

  *#added(item: OutputItem): Generator<OutputEvent> {
    this.output.push(item);
    this.#open = { item, index: this.output.length - 1 };
    yield { type: "response.output_item.added", output_index: this.output.length - 1, item: structuredClone(item) };
  }
}

export const usageOf = (input: number, output: number, cached: number): ResponseUsage => ({
  input_tokens: input,
  input_tokens_details: { cached_tokens: cached },
  output_tokens: output,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: input + output,
});
