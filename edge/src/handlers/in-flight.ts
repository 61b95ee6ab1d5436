/**
 * @module Chat calls whose accounting (usage row, token spend, conversation turn) has not run
 * yet. A gateway that stops, or a Workers request whose response was cancelled, waits for
 * them before draining its writes: otherwise a turn enqueued just after the drain is lost.
 */
export class InFlight {
  #count = 0;
  #waiters: Array<() => void> = [];

  /** One call began; the returned function ends it (once). */
  begin(): () => void {
    this.#count += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#count -= 1;
      if (this.#count === 0) for (const w of this.#waiters.splice(0)) w();
    };
  }

  get count(): number {
    return this.#count;
  }

  /** Resolves once no call is in flight, or after timeoutMs. */
  idle(timeoutMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
