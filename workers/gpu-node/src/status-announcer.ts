/** @module Puts this worker's status into the workers bucket every few seconds, and removes it on stop. */
import { hostname } from "node:os";
import type { Bus, BusKv } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { encodeWorkerStatus } from "@switchyard/shared/codec/chat-codec";
import type { ModelPool } from "./model-pool.ts";

export interface AnnouncerOptions {
  workerId: string;
  statusIntervalMs: number;
  statusTtlMs: number;
  log: (message: string) => void;
}

export const WORKER_VERSION = "0.1.0";

export class StatusAnnouncer {
  #timer: NodeJS.Timeout | undefined;
  #kv: BusKv | undefined;
  readonly #startedUnixMs = Date.now();

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly pool: ModelPool,
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
      const vram = this.pool.llama.gpu === false ? undefined : await this.pool.llama.getVramState().catch(() => undefined);
      await this.#kv.put(this.options.workerId, encodeWorkerStatus(this.snapshot(vram?.free ?? 0)));
    } catch (err) {
      // NATS may be down for a while; the next tick tries again.
      this.#kv = undefined;
      this.options.log(`status announce failed: ${(err as Error).message}`);
    }
  }

  snapshot(gpuFreeBytes = 0) {
    const models = [...this.pool.models.values()];
    return {
      workerId: this.options.workerId,
      kind: "llm",
      models: models.map((m) => ({ id: m.id, contextWindow: m.contextWindow, loaded: true, ownedBy: "switchyard" })),
      slotsTotal: models.reduce((n, m) => n + m.slots.total, 0),
      slotsBusy: models.reduce((n, m) => n + m.slots.busy, 0),
      queueDepth: models.reduce((n, m) => n + m.slots.queued, 0),
      gpuName: this.pool.gpuName,
      gpuFreeBytes,
      version: WORKER_VERSION,
      updatedUnixMs: Date.now(),
      startedUnixMs: this.#startedUnixMs,
      host: hostname(),
    };
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
