/**
 * @module Announces a worker's status: into the workers bucket every few seconds (what a
 * gateway reads when it starts, and what expires a worker that died), and on the worker's
 * status subject at every change (a slot taken or freed, a model loaded), so gateways see
 * capacity within milliseconds rather than seconds. It is removed from the bucket on stop.
 */
import type { Bus, BusKv } from "../bus/bus.ts";
import type { Subjects } from "../bus/subjects.ts";
import { encodeWorkerStatus, type WorkerStatusInit } from "../codec/chat-codec.ts";

export interface AnnouncerOptions {
  workerId: string;
  statusIntervalMs: number;
  statusTtlMs: number;
  log: (message: string) => void;
}

export class StatusAnnouncer {
  #timer: NodeJS.Timeout | undefined;
  #kv: BusKv | undefined;
  #seq = 0;
  #changePending = false;
  #stopped = false;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    /** The worker's status now (updated_unix_ms and status_seq are filled in here). */
    private readonly snapshot: () => Promise<WorkerStatusInit>,
    private readonly options: AnnouncerOptions,
  ) {}

  async start(): Promise<void> {
    await this.#announce();
    this.#timer = setInterval(() => void this.#announce(), this.options.statusIntervalMs);
    this.#timer.unref();
  }

  /** Something changed: publish the new status once this turn's changes are all made. */
  changed(): void {
    if (this.#changePending || this.#stopped) return;
    this.#changePending = true;
    setImmediate(() => {
      this.#changePending = false;
      void this.#publishChange();
    });
  }

  async #status(): Promise<Uint8Array> {
    this.#seq += 1;
    const seq = this.#seq;
    const status = await this.snapshot();
    return encodeWorkerStatus({ ...status, workerId: this.options.workerId, updatedUnixMs: Date.now(), statusSeq: seq });
  }

  async #publishChange(): Promise<void> {
    if (this.#stopped) return;
    try {
      this.bus.publish(this.subjects.status(this.options.workerId), await this.#status());
    } catch {
      // NATS is down: the periodic announce catches up once it is back.
    }
  }

  async #announce(): Promise<void> {
    try {
      this.#kv ??= await this.bus.kv(this.subjects.workersBucket, { ttlMs: this.options.statusTtlMs });
      const data = await this.#status();
      if (this.#stopped) return;
      // Both paths: the bucket for gateways that start later, the subject for those watching now.
      await this.#kv.put(this.options.workerId, data);
      this.bus.publish(this.subjects.status(this.options.workerId), data);
    } catch (err) {
      // NATS may be down for a while; the next tick tries again.
      this.#kv = undefined;
      this.options.log(`status announce failed: ${(err as Error).message}`);
    }
  }

  /** Announces now, bucket included (e.g. a drain began), and waits until it is sent. */
  async announceNow(): Promise<void> {
    await this.#announce();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    try {
      const kv = this.#kv ?? (await this.bus.kv(this.subjects.workersBucket, { ttlMs: this.options.statusTtlMs }));
      await kv.delete(this.options.workerId);
    } catch (err) {
      this.options.log(`could not remove worker status: ${(err as Error).message}`);
    }
  }
}
