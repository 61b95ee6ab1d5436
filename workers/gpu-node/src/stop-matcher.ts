/**
 * @module Stop strings over streamed text: text that could still become a stop string is held
 * back, so a stop string split across tokens is never sent to the client.
 */

export interface StopResult {
  /** Text safe to send now. */
  emit: string;
  /** True when a stop string matched; nothing after it is emitted. */
  stopped: boolean;
}

export class StopMatcher {
  #held = "";

  constructor(private readonly stops: readonly string[]) {}

  push(text: string): StopResult {
    if (this.stops.length === 0) return { emit: text, stopped: false };
    const combined = this.#held + text;
    let first = -1;
    for (const stop of this.stops) {
      const at = combined.indexOf(stop);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    }
    if (first !== -1) {
      this.#held = "";
      return { emit: combined.slice(0, first), stopped: true };
    }
    const keep = this.#longestStopPrefixSuffix(combined);
    this.#held = combined.slice(combined.length - keep);
    return { emit: combined.slice(0, combined.length - keep), stopped: false };
  }

  /** Whatever is held back, once generation ended without a match. */
  flush(): string {
    const rest = this.#held;
    this.#held = "";
    return rest;
  }

  #longestStopPrefixSuffix(text: string): number {
    let best = 0;
    for (const stop of this.stops) {
      const max = Math.min(stop.length - 1, text.length);
      for (let n = max; n > best; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
