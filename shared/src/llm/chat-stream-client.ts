/**
 * @module Gateway side of the chat protocol: a ChatRequest over the Bus, the worker's chunks
 * turned into ChatEvents (tokens that arrived together merged into one event).
 */
import type { Bus } from "../bus/bus.ts";
import { callOptions, type ModelCallOptions, streamedRequest } from "../bus/streamed-request.ts";
import type { Subjects } from "../bus/subjects.ts";
import { type ChatRequestFields, decodeChatChunk, encodeChatRequest } from "../codec/chat-codec.ts";
import type { ChatEvent, FinishReason } from "./chat-events.ts";

const finishReason = (reason: string): FinishReason => (reason === "length" || reason === "tool_calls" ? reason : "stop");

export async function* streamChat(
  bus: Bus,
  subjects: Subjects,
  request: Omit<ChatRequestFields, "streamSubject">,
  options: ModelCallOptions,
): AsyncGenerator<ChatEvent, void, undefined> {
  const batches = streamedRequest(bus, {
    ...callOptions(subjects, request, options),
    subject: options.subject ?? subjects.chat(request.model),
    encode: (streamSubject) => encodeChatRequest({ ...request, streamSubject }),
    decode: decodeChatChunk,
    what: `model '${request.model}'`,
  });
  // The worker's accepted reply (chunk 0) only reserves a slot; the gateway's `accepted` event
  // waits for `started` (model loaded, prompt checked), so errors before it keep their status.
  let workerId = "";
  for await (const batch of batches) {
    let text = "";
    let count = 0;
    for (const { kind } of batch) {
      if (kind.case === "token") {
        text += kind.value.text;
        count += kind.value.count;
        continue;
      }
      if (count > 0 || text) yield { type: "token", text, count };
      text = "";
      count = 0;
      if (kind.case === "accepted") workerId = kind.value.workerId;
      else if (kind.case === "started") yield { type: "accepted", workerId, promptTokens: kind.value.promptTokens };
      else if (kind.case === "usage") yield { type: "usage", promptTokens: kind.value.promptTokens, completionTokens: kind.value.completionTokens, cachedTokens: kind.value.cachedTokens };
      else if (kind.case === "toolCall") {
        const { index, call } = kind.value;
        yield { type: "tool_call", index, ...(call?.id ? { id: call.id } : {}), ...(call?.name ? { name: call.name } : {}), arguments: call?.arguments ?? "" };
      } else if (kind.case === "done") yield { type: "done", finishReason: finishReason(kind.value.finishReason) };
    }
    if (count > 0 || text) yield { type: "token", text, count };
  }
}
