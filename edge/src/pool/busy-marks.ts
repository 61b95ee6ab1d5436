/**
 * @module Workers (or a model's queue group) that answered worker_busy: counted as full until
 * their next status (a newer status_seq) or until the mark expires, whichever comes first.
 */
export class BusyMarks {
  readonly #marks = new Map<string, { seq: number; until: number }>();

  mark(key: string, seq: number, ms: number): void {
    this.#marks.set(key, { seq, until: Date.now() + ms });
  }

  /** True while a mark holds: no newer status from that worker, and not yet expired. */
  holds(key: string, seq: number): boolean {
    const mark = this.#marks.get(key);
    if (!mark) return false;
    if (seq > mark.seq || Date.now() >= mark.until) {
      this.#marks.delete(key);
      return false;
    }
    return true;
  }
}

/** How long a request held its slot, per model: an EWMA, for retry-after and /admin/workers. */
export class ServiceTimes {
  readonly #ms = new Map<string, number>();

  record(model: string, ms: number): void {
    const prev = this.#ms.get(model);
    this.#ms.set(model, prev === undefined ? ms : 0.8 * prev + 0.2 * ms);
  }

  of(model: string): number | undefined {
    return this.#ms.get(model);
  }
}
