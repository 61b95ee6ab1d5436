/**
 * @module Hands on the latest value at most once per animation frame. A streamed reply's text
 * changes with every token, hundreds of times a second from a fast local model, and each render
 * parses and sanitizes the whole reply's markdown: rendered per token, a long reply kept the
 * page's main thread busy until the Stop button no longer answered a click.
 */
export interface FrameBatched<T> {
  push: (value: T) => void;
  /** Applies what is pending now (before a final state, so nothing is lost or lands after it). */
  flush: () => void;
}

export function frameBatched<T>(apply: (value: T) => void): FrameBatched<T> {
  let pending: { value: T } | undefined;
  let frame: number | undefined;
  const flush = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    frame = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    apply(value);
  };
  return {
    push(value) {
      pending = { value };
      frame ??= requestAnimationFrame(flush);
    },
    flush,
  };
}
