/**
 * @module Incremental detokenization: each token's text in context of the ones before it,
 * holding back tokens whose text is an incomplete UTF-8 sequence (ends in U+FFFD).
 */
import type { Token } from "node-llama-cpp";

export interface Detokenizer {
  detokenize(tokens: readonly Token[], specialTokens?: boolean, lastTokens?: readonly Token[]): string;
}

const CONTEXT_TOKENS = 4;
const MAX_PENDING = 8;

export class TokenText {
  #last: Token[] = [];
  #pending: Token[] = [];

  constructor(private readonly model: Detokenizer) {}

  /** Text that the token completes, possibly "" while a multi-byte character is unfinished. */
  push(token: Token): string {
    this.#pending.push(token);
    const text = this.model.detokenize(this.#pending, false, this.#last);
    if (text.endsWith("\uFFFD") && this.#pending.length < MAX_PENDING) return "";
    return this.#commit(text);
  }

  /** Whatever is pending at the end, as is. */
  flush(): string {
    if (this.#pending.length === 0) return "";
    return this.#commit(this.model.detokenize(this.#pending, false, this.#last));
  }

  #commit(text: string): string {
    this.#last.push(...this.#pending);
    if (this.#last.length > CONTEXT_TOKENS) this.#last = this.#last.slice(-CONTEXT_TOKENS);
    this.#pending = [];
    return text;
  }
}
