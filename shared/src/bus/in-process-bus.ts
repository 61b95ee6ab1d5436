/**
 * @module The in-process Bus: the embedded mode's transport. It carries the same encoded
 * messages as NATS and keeps NATS' semantics that callers rely on (queue groups, no
 * responders, max payload, async delivery, silently expiring KV entries).
 */
import type { Bus, BusHandler, BusKv, BusMsg, BusSubscription, KvEntry, KvWatch } from "./bus.ts";
import { BusNoRespondersError, BusPayloadTooLargeError, BusTimeoutError, BusUnavailableError } from "./errors.ts";
import { subjectMatches } from "./subject-match.ts";

interface Sub {
  id: number;
  pattern: string;
  queue: string | undefined;
  handler: BusHandler;
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export class InProcessBus implements Bus {
  readonly kind = "in-process";
  #subs = new Map<number, Sub>();
  /** Subscriptions by literal subject, so a publish to an inbox does not scan them all. */
  #exact = new Map<string, Set<Sub>>();
  #wildcard = new Set<Sub>();
  #nextId = 1;
  #inboxes = 0;
  #queueCursor = new Map<string, number>();
  #buckets = new Map<string, MemoryKv>();
  #closed = false;

  constructor(private readonly maxPayloadBytes = DEFAULT_MAX_PAYLOAD) {}

  isConnected(): boolean {
    return !this.#closed;
  }

  async ready(): Promise<void> {}

  maxPayload(): number {
    return this.maxPayloadBytes;
  }

  createInbox(): string {
    this.#inboxes += 1;
    return `_INBOX.local.${this.#inboxes}`;
  }

  publish(subject: string, data: Uint8Array, reply?: string): void {
    this.#deliver(subject, data, reply);
  }

  /** Returns how many subscribers the message went to. */
  #deliver(subject: string, data: Uint8Array, reply?: string): number {
    if (this.#closed) throw new BusUnavailableError("bus is closed");
    if (data.byteLength > this.maxPayloadBytes) throw new BusPayloadTooLargeError(data.byteLength, this.maxPayloadBytes);
    const plain: Sub[] = [];
    const groups = new Map<string, Sub[]>();
    const candidates = [...(this.#exact.get(subject) ?? []), ...[...this.#wildcard].filter((sub) => subjectMatches(sub.pattern, subject))];
    for (const sub of candidates) {
      if (sub.queue === undefined) plain.push(sub);
      else {
        const key = `${sub.pattern}\u0000${sub.queue}`;
        const members = groups.get(key) ?? [];
        members.push(sub);
        groups.set(key, members);
      }
    }
    const targets = [...plain];
    for (const [key, members] of groups) {
      // Round-robin inside a queue group, like NATS spreading work over members.
      const cursor = this.#queueCursor.get(key) ?? 0;
      targets.push(members[cursor % members.length]!);
      this.#queueCursor.set(key, cursor + 1);
    }
    const msg: BusMsg = { subject, data, reply };
    for (const sub of targets) {
      queueMicrotask(() => {
        if (this.#subs.has(sub.id)) sub.handler(msg);
      });
    }
    return targets.length;
  }

  subscribe(subject: string, handler: BusHandler, opts?: { queue?: string }): BusSubscription {
    if (this.#closed) throw new BusUnavailableError("bus is closed");
    const id = this.#nextId++;
    const sub: Sub = { id, pattern: subject, queue: opts?.queue, handler };
    this.#subs.set(id, sub);
    const wild = subject.includes("*") || subject.includes(">");
    if (wild) this.#wildcard.add(sub);
    else {
      const set = this.#exact.get(subject) ?? new Set<Sub>();
      set.add(sub);
      this.#exact.set(subject, set);
    }
    return {
      unsubscribe: () => {
        this.#subs.delete(id);
        if (wild) this.#wildcard.delete(sub);
        else {
          const set = this.#exact.get(subject);
          set?.delete(sub);
          if (set?.size === 0) this.#exact.delete(subject);
        }
      },
    };
  }

  request(subject: string, data: Uint8Array, opts: { timeoutMs: number }): Promise<BusMsg> {
    return new Promise<BusMsg>((resolve, reject) => {
      const inbox = this.createInbox();
      const timer = setTimeout(() => {
        sub.unsubscribe();
        reject(new BusTimeoutError(subject));
      }, opts.timeoutMs);
      const sub = this.subscribe(inbox, (msg) => {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(msg);
      });
      try {
        if (this.#deliver(subject, data, inbox) === 0) {
          clearTimeout(timer);
          sub.unsubscribe();
          reject(new BusNoRespondersError(subject));
        }
      } catch (err) {
        clearTimeout(timer);
        sub.unsubscribe();
        reject(err);
      }
    });
  }

  async kv(bucket: string, opts: { ttlMs: number }): Promise<BusKv> {
    let kv = this.#buckets.get(bucket);
    if (!kv) {
      kv = new MemoryKv(opts.ttlMs);
      this.#buckets.set(bucket, kv);
    }
    return kv;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    this.#subs.clear();
    this.#exact.clear();
    this.#wildcard.clear();
    for (const kv of this.#buckets.values()) kv.close();
  }
}

class MemoryKv implements BusKv {
  #entries = new Map<string, { value: Uint8Array; timer: NodeJS.Timeout }>();
  #watchers = new Set<(entry: KvEntry) => void>();

  constructor(private readonly ttlMs: number) {}

  async put(key: string, value: Uint8Array): Promise<void> {
    const old = this.#entries.get(key);
    if (old) clearTimeout(old.timer);
    // Like a JetStream bucket's max_age: the entry vanishes without a delete notification.
    const timer = setTimeout(() => this.#entries.delete(key), this.ttlMs);
    timer.unref();
    this.#entries.set(key, { value, timer });
    this.#notify({ key, value });
  }

  async delete(key: string): Promise<void> {
    const old = this.#entries.get(key);
    if (old) clearTimeout(old.timer);
    this.#entries.delete(key);
    this.#notify({ key, value: null });
  }

  async entries(): Promise<KvEntry[]> {
    return [...this.#entries].map(([key, { value }]) => ({ key, value }));
  }

  async watch(onEntry: (entry: KvEntry) => void): Promise<KvWatch> {
    for (const [key, { value }] of this.#entries) onEntry({ key, value });
    this.#watchers.add(onEntry);
    let end: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    return {
      stop: () => {
        this.#watchers.delete(onEntry);
        end();
      },
      ended,
    };
  }

  #notify(entry: KvEntry): void {
    for (const watcher of this.#watchers) queueMicrotask(() => watcher(entry));
  }

  close(): void {
    for (const { timer } of this.#entries.values()) clearTimeout(timer);
    this.#entries.clear();
    this.#watchers.clear();
  }
}
