/**
 * @module The NATS Bus, over whichever transport the program's edge passes in: TCP on Node
 * (nats-node.ts), WebSocket on Workers and in browsers (nats-ws.ts). Connects in the
 * background and keeps reconnecting, so a gateway can start while NATS is down and serve
 * once it is back.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { Authenticator, ConnectionOptions, NatsConnection } from "@nats-io/nats-core";
import { NoRespondersError, RequestError, TimeoutError } from "@nats-io/nats-core";
import type { Bus, BusHandler, BusKv, BusMsg, BusSubscription, KvEntry, KvWatch } from "./bus.ts";
import { BusNoRespondersError, BusPayloadTooLargeError, BusTimeoutError, BusUnavailableError } from "./errors.ts";

/** A transport's connect(): @nats-io/transport-node's, or nats-core's wsconnect. */
export type NatsConnect = (options: ConnectionOptions) => Promise<NatsConnection>;

export interface NatsBusOptions {
  /** Comma-separated server URLs, e.g. nats://127.0.0.1:4222 (ws://… for WebSocket). */
  servers: string;
  name: string;
  connect: NatsConnect;
  /** Credentials (nats-auth.ts reads them from the environment); none for an open server. */
  authenticators?: Authenticator[];
  log?: (message: string) => void;
}

export class NatsBus implements Bus {
  readonly kind: string;
  #nc: NatsConnection | undefined;
  #connected = false;
  #closing = false;
  readonly #ready: Promise<void>;
  readonly #log: (message: string) => void;

  private constructor(
    readonly options: NatsBusOptions,
    kind: string,
  ) {
    this.kind = kind;
    this.#log = options.log ?? (() => {});
    this.#ready = this.#connect();
    // The promise is awaited by callers who need it; a failed first connect is retried inside.
    this.#ready.catch(() => {});
  }

  /** Returns at once; the connection is made (and remade) in the background. */
  static start(options: NatsBusOptions, kind = "nats"): NatsBus {
    return new NatsBus(options, kind);
  }

  async #connect(): Promise<void> {
    const nc = await this.options.connect({
      servers: this.options.servers.split(",").map((s) => s.trim()),
      name: this.options.name,
      ...(this.options.authenticators?.length ? { authenticator: this.options.authenticators } : {}),
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 5_000,
      maxPingOut: 2,
    });
    if (this.#closing) {
      await nc.close();
      throw new BusUnavailableError("bus closed while connecting");
    }
    this.#nc = nc;
    this.#connected = true;
    this.#log(`connected to NATS ${nc.getServer()}`);
    void this.#watchStatus(nc);
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") {
        this.#connected = false;
        this.#log("NATS disconnected; reconnecting");
      } else if (s.type === "reconnect") {
        this.#connected = true;
        this.#log("NATS reconnected");
      }
    }
  }

  #conn(): NatsConnection {
    if (!this.#nc || !this.#connected || this.#nc.isClosed()) throw new BusUnavailableError("NATS is not connected");
    return this.#nc;
  }

  isConnected(): boolean {
    return this.#nc !== undefined && this.#connected && !this.#nc.isClosed();
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  maxPayload(): number {
    return this.#nc?.info?.max_payload ?? 1024 * 1024;
  }

  createInbox(): string {
    return `_INBOX.${crypto.randomUUID().replaceAll("-", "")}`;
  }

  #checkSize(data: Uint8Array): void {
    const limit = this.maxPayload();
    if (data.byteLength > limit) throw new BusPayloadTooLargeError(data.byteLength, limit);
  }

  publish(subject: string, data: Uint8Array, reply?: string): void {
    this.#checkSize(data);
    this.#conn().publish(subject, data, reply === undefined ? undefined : { reply });
  }

  subscribe(subject: string, handler: BusHandler, opts?: { queue?: string }): BusSubscription {
    const sub = this.#conn().subscribe(subject, {
      queue: opts?.queue,
      callback: (err, msg) => {
        if (err) {
          this.#log(`subscription ${subject}: ${err.message}`);
          return;
        }
        handler({ subject: msg.subject, data: msg.data, reply: msg.reply });
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  async request(subject: string, data: Uint8Array, opts: { timeoutMs: number }): Promise<BusMsg> {
    this.#checkSize(data);
    try {
      const msg = await this.#conn().request(subject, data, { timeout: opts.timeoutMs });
      return { subject: msg.subject, data: msg.data, reply: msg.reply };
    } catch (err) {
      throw mapRequestError(err, subject);
    }
  }

  async kv(bucket: string, opts: { ttlMs: number }): Promise<BusKv> {
    const kv = await new Kvm(this.#conn()).create(bucket, { ttl: opts.ttlMs, history: 1 });
    return {
      put: async (key, value) => {
        await kv.put(key, value);
      },
      delete: async (key) => {
        await kv.delete(key);
      },
      entries: async () => {
        // The keys from one stream-info request, then each key's last value: every step is a
        // JetStream API request with its own timeout. kv.keys() runs a push consumer instead,
        // and on a Worker's per-request WebSocket under load it now and then never ended (a
        // request hung on it for good: one bucket read of ~540 in a loop with the cores busy).
        const jsm = await jetstreamManager(this.#conn(), { checkAPI: false });
        const prefix = `$KV.${bucket}.`;
        const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
        const keys = Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
        const found = await Promise.all(keys.map((key) => kv.get(key)));
        return found.flatMap((e) => (e && e.operation === "PUT" ? [{ key: e.key, value: e.value }] : []));
      },
      watch: async (onEntry: (entry: KvEntry) => void): Promise<KvWatch> => {
        const it = await kv.watch();
        const ended = (async () => {
          try {
            for await (const e of it) onEntry({ key: e.key, value: e.operation === "PUT" ? e.value : null });
          } catch (err) {
            this.#log(`kv watch ${bucket} ended: ${(err as Error).message}`);
          }
        })();
        return { stop: () => it.stop(), ended };
      },
    };
  }

  async flush(): Promise<void> {
    await this.#conn().flush();
  }

  async close(): Promise<void> {
    this.#closing = true;
    const nc = this.#nc;
    this.#nc = undefined;
    this.#connected = false;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}

function mapRequestError(err: unknown, subject: string): Error {
  if (err instanceof NoRespondersError) return new BusNoRespondersError(subject);
  if (err instanceof TimeoutError) return new BusTimeoutError(subject);
  if (err instanceof RequestError) {
    if (err.isNoResponders()) return new BusNoRespondersError(subject);
    if (err.cause instanceof TimeoutError) return new BusTimeoutError(subject);
  }
  if (err instanceof Error) return err;
  return new Error(String(err));
}
