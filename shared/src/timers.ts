/** @module Timers that must not keep a Node process alive; Workers' timers are plain numbers without unref(). */

export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
