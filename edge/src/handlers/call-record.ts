/** @module What one chat call produced, observed from its events: text, tokens, time to first token. */
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";

export type Outcome = "complete" | "cancelled" | "error";

export class CallRecord {
  #text = "";
  #prompt = 0;
  #completion = 0;
  #counted = 0;
  #firstTokenAt: number | undefined;

  constructor(private readonly startedAt: number) {}

  observe(e: ChatEvent): void {
    if (e.type === "accepted") this.#prompt = e.promptTokens ?? this.#prompt;
    else if (e.type === "wire") this.#firstTokenAt ??= performance.now();
    else if (e.type === "token" || e.type === "tool_call") {
      this.#firstTokenAt ??= performance.now();
      if (e.type === "token") {
        this.#text += e.text;
        this.#counted += e.count;
      }
    } else if (e.type === "usage") {
      this.#prompt = e.promptTokens;
      this.#completion = e.completionTokens;
    }
  }

  text(): string {
    return this.#text;
  }

  /** Usage as reported; a cancelled stream has no usage event, so the counted tokens stand in. */
  tokens(): { prompt: number; completion: number } {
    return { prompt: this.#prompt, completion: this.#completion || this.#counted };
  }

  usageRow() {
    const t = this.tokens();
    return {
      promptTokens: t.prompt,
      completionTokens: t.completion,
      latencyMs: Math.round(performance.now() - this.startedAt),
      ttftMs: this.#firstTokenAt === undefined ? null : Math.round(this.#firstTokenAt - this.startedAt),
    };
  }
}
