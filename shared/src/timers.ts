/** @module Timers that must not keep a Node process alive; Workers' timers are plain numbers without unref(). */

export function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** `work`'s value if it settles within `ms`, else undefined (the work goes on; its failure is ignored here). */
export function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = unref(setTimeout(() => resolve(undefined), ms));
  });
  return Promise.race([work.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
