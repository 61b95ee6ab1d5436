/**
 * @module Reads an OpenAI chat-completion SSE response the way a client sees it: timestamps
 * the first and last content delta, counts content chunks, and keeps the text and usage.
 */
import { performance } from "node:perf_hooks";

export interface StreamReading {
  /** performance.now() of the first non-empty content delta. */
  firstContentAt: number;
  /** performance.now() of the last non-empty content delta. */
  lastContentAt: number;
  /** performance.now() once `data: [DONE]` arrived. */
  doneAt: number;
  contentChunks: number;
  text: string;
  finishReason: string | null;
  completionTokens: number | undefined;
  promptTokens: number | undefined;
  /** usage.prompt_tokens_details.cached_tokens: prompt tokens the worker did not evaluate. */
  cachedTokens: number | undefined;
}

interface ChunkJson {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { completion_tokens?: number; prompt_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null } | null;
  error?: { message?: string };
}

/** Consumes the body to the end; throws if the stream carries an error event or ends without [DONE]. */
export async function readChatSse(body: ReadableStream<Uint8Array>): Promise<StreamReading> {
  const r: StreamReading = {
    firstContentAt: Number.NaN,
    lastContentAt: Number.NaN,
    doneAt: Number.NaN,
    contentChunks: 0,
    text: "",
    finishReason: null,
    completionTokens: undefined,
    promptTokens: undefined,
    cachedTokens: undefined,
  };
  const decoder = new TextDecoder();
  let buffer = "";
  let done = false;
  const reader = body.getReader();
  for (;;) {
    const read = await reader.read();
    if (read.done) break;
    buffer += decoder.decode(read.value, { stream: true });
    // Several events often arrive in one read; they all get this read's timestamp, which is
    // what a real client could observe too.
    const now = performance.now();
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      if (!event.startsWith("data: ")) continue;
      const data = event.slice(6);
      if (data === "[DONE]") {
        r.doneAt = now;
        done = true;
        continue;
      }
      const chunk = JSON.parse(data) as ChunkJson;
      if (chunk.error) throw new Error(`stream error: ${chunk.error.message ?? data}`);
      if (chunk.usage) {
        r.completionTokens = chunk.usage.completion_tokens;
        r.promptTokens = chunk.usage.prompt_tokens;
        r.cachedTokens = chunk.usage.prompt_tokens_details?.cached_tokens;
      }
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.finish_reason) r.finishReason = choice.finish_reason;
      const content = choice.delta?.content;
      if (content) {
        if (r.contentChunks === 0) r.firstContentAt = now;
        r.lastContentAt = now;
        r.contentChunks += 1;
        r.text += content;
      }
    }
  }
  if (!done) throw new Error("stream ended without data: [DONE]");
  return r;
}
