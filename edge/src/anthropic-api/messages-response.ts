/**
 * @module ChatEvents → Anthropic Messages output: one message object, or the SSE event
 * sequence message_start, content_block_start/delta/stop (text and tool_use blocks),
 * message_delta, message_stop.
 */
import { withFirst } from "../chat/with-first.ts";
import type { ChatEvent, FinishReason } from "@switchyard/shared/llm/chat-events";
import { z } from "zod";

export const AnthropicMessageSchema = z.object({
  id: z.string(),
  type: z.literal("message"),
  role: z.literal("assistant"),
  model: z.string(),
  content: z.array(
    z.discriminatedUnion("type", [
      z.object({ type: z.literal("text"), text: z.string() }),
      z.object({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown() }),
    ]),
  ),
  stop_reason: z.string().meta({ description: "`end_turn`, `max_tokens`, `tool_use` or `refusal`." }),
  stop_sequence: z.null(),
  usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
});

type Events = AsyncIterator<ChatEvent, void, undefined>;

export interface MessageMeta {
  id: string;
  model: string;
}

export function stopReason(finish: FinishReason): string {
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

type Block = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown; json: string };

export async function collectMessage(first: ChatEvent | undefined, events: Events, meta: MessageMeta): Promise<z.infer<typeof AnthropicMessageSchema>> {
  const blocks: Block[] = [];
  const tools = new Map<number, Extract<Block, { type: "tool_use" }>>();
  let finish: FinishReason = "stop";
  let input = 0;
  let output = 0;
  for await (const e of withFirst(first, events)) {
    if (e.type === "accepted") input = e.promptTokens ?? 0;
    else if (e.type === "token") {
      const last = blocks.at(-1);
      if (last?.type === "text") last.text += e.text;
      else blocks.push({ type: "text", text: e.text });
    } else if (e.type === "tool_call") {
      let block = tools.get(e.index);
      if (!block) {
        block = { type: "tool_use", id: e.id ?? `toolu_${e.index}`, name: e.name ?? "", input: {}, json: "" };
        tools.set(e.index, block);
        blocks.push(block);
      }
      block.json += e.arguments;
    } else if (e.type === "usage") {
      input = e.promptTokens;
      output = e.completionTokens;
    } else if (e.type === "done") finish = e.finishReason;
  }
  return {
    id: meta.id,
    type: "message" as const,
    role: "assistant" as const,
    model: meta.model,
    content: blocks.map((b) => (b.type === "text" ? b : { type: "tool_use" as const, id: b.id, name: b.name, input: parseJson(b.json) })),
    stop_reason: stopReason(finish),
    stop_sequence: null,
    usage: { input_tokens: input, output_tokens: output },
  };
}

/** Events as Anthropic stream events; each object's `type` is also its SSE event name. */
export async function* messageStreamEvents(first: ChatEvent | undefined, events: Events, meta: MessageMeta) {
  let input = first?.type === "accepted" ? (first.promptTokens ?? 0) : 0;
  let output = 0;
  let finish: FinishReason = "stop";
  let index = -1;
  let open: { kind: "text" } | { kind: "tool"; toolIndex: number } | undefined;
  yield {
    type: "message_start",
    message: { id: meta.id, type: "message", role: "assistant", content: [], model: meta.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 0 } },
  };
  yield { type: "ping" };
  const close = function* () {
    if (open) yield { type: "content_block_stop", index };
    open = undefined;
  };
  for await (const e of withFirst(first, events)) {
    if (e.type === "token" && e.text.length > 0) {
      if (open?.kind !== "text") {
        yield* close();
        index += 1;
        open = { kind: "text" };
        yield { type: "content_block_start", index, content_block: { type: "text", text: "" } };
      }
      yield { type: "content_block_delta", index, delta: { type: "text_delta", text: e.text } };
    } else if (e.type === "tool_call") {
      if (open?.kind !== "tool" || open.toolIndex !== e.index) {
        yield* close();
        index += 1;
        open = { kind: "tool", toolIndex: e.index };
        yield { type: "content_block_start", index, content_block: { type: "tool_use", id: e.id ?? `toolu_${e.index}`, name: e.name ?? "", input: {} } };
      }
      if (e.arguments) yield { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: e.arguments } };
    } else if (e.type === "usage") {
      input = e.promptTokens;
      output = e.completionTokens;
    } else if (e.type === "done") finish = e.finishReason;
  }
  yield* close();
  yield { type: "message_delta", delta: { stop_reason: stopReason(finish), stop_sequence: null }, usage: { input_tokens: input, output_tokens: output } };
  yield { type: "message_stop" };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text || "{}");
  } catch {
    return { _raw: text };
  }
}
