/**
 * @module One streamed chat turn: POST /v1/chat/completions with stream:true, read as SSE with
 * a stream reader (EventSource cannot POST), text handed over as it grows, and the numbers
 * shown beside the reply (who answered, time to first token, tokens/s, token counts).
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { type Api, ApiError, streamError } from "./api.ts";
import { ChatChunk } from "./schemas.ts";

export interface ReplyStats {
  model: string;
  provider: string | null;
  worker: string | null;
  ttftMs: number | null;
  tokensPerS: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  finishReason: string | null;
}

export interface Ask {
  model: string;
  conversationId: string;
  content: string;
}

export async function streamChat(api: Api, ask: Ask, signal: AbortSignal, onText: (text: string) => void): Promise<ReplyStats> {
  const startedAt = performance.now();
  const res = await api.request("/v1/chat/completions", {
    method: "POST",
    signal,
    body: JSON.stringify({
      model: ask.model,
      conversation_id: ask.conversationId,
      messages: [{ role: "user", content: ask.content }],
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const stats: ReplyStats = {
    model: ask.model,
    provider: res.headers.get("x-switchyard-provider"),
    worker: res.headers.get("x-switchyard-worker"),
    ttftMs: null,
    tokensPerS: null,
    promptTokens: null,
    completionTokens: null,
    cachedTokens: null,
    finishReason: null,
  };
  if (!res.body) throw new ApiError("The gateway sent no stream.", 0, "empty_stream");
  const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  let text = "";
  let firstAt: number | null = null;
  let done = false;
  try {
    while (!done) {
      const next = await reader.read();
      if (next.done) break;
      if (next.value.data === "[DONE]") {
        done = true;
        break;
      }
      const value: unknown = JSON.parse(next.value.data);
      const failed = streamError(value);
      if (failed) throw failed;
      const chunk = ChatChunk.parse(value);
      for (const choice of chunk.choices) {
        const piece = choice.delta?.content;
        if (piece) {
          firstAt ??= performance.now();
          text += piece;
          onText(text);
        }
        if (choice.finish_reason) stats.finishReason = choice.finish_reason;
      }
      if (chunk.usage) {
        stats.promptTokens = chunk.usage.prompt_tokens;
        stats.completionTokens = chunk.usage.completion_tokens;
        stats.cachedTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? null;
      }
    }
  } finally {
    reader.releaseLock();
  }
  if (!done) throw new ApiError("The stream ended before the reply was complete.", 0, "stream_truncated");
  const endAt = performance.now();
  if (firstAt !== null) {
    stats.ttftMs = Math.round(firstAt - startedAt);
    const seconds = (endAt - firstAt) / 1000;
    if (stats.completionTokens && seconds > 0) stats.tokensPerS = stats.completionTokens / seconds;
  }
  return stats;
}
