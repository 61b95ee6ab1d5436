/** @module Puts a worker's status into the workers bucket every few seconds, and removes it on stop. */
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

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    /** The worker's status now (updated_unix_ms is filled in here). */
    private readonly snapshot: () => Promise<WorkerStatusInit>,
    private readonly options: AnnouncerOptions,
  ) {}

  async start(): Promise<void> {
    await this.#announce();
    this.#timer = setInterval(() => void this.#announce(), this.options.statusIntervalMs);
    this.#timer.unref();
  }

  async #announce(): Promise<void> {
    try {
      this.#kv ??= await this.bus.kv(this.subjects.workersBucket, { ttlMs: this.options.statusTtlMs });
      const status = { ...(await this.snapshot()), workerId: this.options.workerId, updatedUnixMs: Date.now() };
      await this.#kv.put(this.options.workerId, encodeWorkerStatus(status));
    } catch (err) {
      // NATS may be down for a while; the next tick tries again.
      this.#kv = undefined;
      this.options.log(`status announce failed: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    try {
      const kv = this.#kv ?? (await this.bus.kv(this.subjects.workersBucket, { ttlMs: this.options.statusTtlMs }));
      await kv.delete(this.options.workerId);
    } catch (err) {
      this.options.log(`could not remove worker status: ${(err as Error).message}`);
    }
  }
}
