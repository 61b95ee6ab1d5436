/** @module The Bus: the one messaging interface that NATS and the in-process bus implement. */

export interface BusMsg {
  subject: string;
  data: Uint8Array;
  reply?: string | undefined;
}

export type BusHandler = (msg: BusMsg) => void;

export interface BusSubscription {
  unsubscribe(): void;
}

export interface KvEntry {
  key: string;
  /** null when the key was deleted or purged. */
  value: Uint8Array | null;
}

export interface KvWatch {
  stop(): void;
  /** Resolves when the watch ended (stopped, or broken by a lost connection). */
  readonly ended: Promise<void>;
}

/** A key-value bucket whose entries expire after the bucket's ttl unless put again. */
export interface BusKv {
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** The current entries, read once (for runtimes that cannot hold a watch open). */
  entries(): Promise<KvEntry[]>;
  /** Delivers every current entry, then every change, until stopped. */
  watch(onEntry: (entry: KvEntry) => void): Promise<KvWatch>;
}

export interface Bus {
  /** "nats" or "in-process", for /ready and logs. */
  readonly kind: string;
  isConnected(): boolean;
  /** Resolves once connected (immediately for the in-process bus). */
  ready(): Promise<void>;
  /** Largest payload one message may carry. */
  maxPayload(): number;
  createInbox(): string;
  publish(subject: string, data: Uint8Array, reply?: string): void;
  subscribe(subject: string, handler: BusHandler, opts?: { queue?: string }): BusSubscription;
  /** One request, one reply. Throws BusNoRespondersError, BusTimeoutError or BusUnavailableError. */
  request(subject: string, data: Uint8Array, opts: { timeoutMs: number }): Promise<BusMsg>;
  kv(bucket: string, opts: { ttlMs: number }): Promise<BusKv>;
  /** Resolves when everything published so far reached the server. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
