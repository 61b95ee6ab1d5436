/**
 * @module A value handed over once. A provider's `chat` generator lives as long as its stream,
 * and V8 keeps a generator's parameters and registers (dead ones included) in its frame all
 * that time: a request passed to it stays alive until the last token, and with it the whole
 * prompt (a long conversation's history, for each open stream). The request goes through one of
 * these instead, and the non-generator function that sends it takes it out.
 */
export class HandOver<T> {
  #value: T | undefined;

  constructor(value: T) {
    this.#value = value;
  }

  /** The value, once; a second call is a bug and throws. */
  take(): T {
    const value = this.#value;
    if (value === undefined) throw new Error("HandOver.take: already taken");
    this.#value = undefined;
    return value;
  }
}
