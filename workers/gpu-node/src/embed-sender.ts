/**
 * @module Publishes one embeddings request's EmbedChunks with rising sequence numbers. Vectors
 * are gathered into as few messages as the bus allows: a message goes out once it holds as
 * many vectors as fit under the bus's max payload, when the worker has been quiet for a
 * heartbeat's time (the vectors are the sign of life then), and the rest before the final chunk.
 */
import type { Bus } from "@switchyard/shared/bus/bus";
import { type EmbedChunkKind, encodeEmbedChunk, float32Bytes, vectorsPerChunk } from "@switchyard/shared/codec/embed-codec";

export class EmbedSender {
  #seq = 0;
  #lastSent = performance.now();
  #pending: Array<{ index: number; values: Uint8Array }> = [];
  readonly #perChunk: number;

  constructor(
    private readonly bus: Bus,
    private readonly subject: string,
    private readonly requestId: string,
    dimensions: number,
    private readonly onPublishError: (err: unknown) => void,
  ) {
    this.#perChunk = vectorsPerChunk(bus.maxPayload(), dimensions);
  }

  /** Milliseconds since anything was sent (for heartbeats). */
  idleMs(now = performance.now()): number {
    return now - this.#lastSent;
  }

  vector(index: number, values: Float32Array): void {
    this.#pending.push({ index, values: float32Bytes(values) });
    if (this.#pending.length >= this.#perChunk) this.flush();
  }

  /** Sends the vectors gathered so far. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const vectors = this.#pending;
    this.#pending = [];
    this.#publish({ case: "vectors", value: { vectors } });
  }

  /** Any other chunk: gathered vectors go first, so order is kept. */
  send(kind: EmbedChunkKind): void {
    this.flush();
    this.#publish(kind);
  }

  /** Shows the gateway the worker is alive: the vectors gathered so far, else a heartbeat. */
  keepAlive(): void {
    if (this.#pending.length > 0) this.flush();
    else this.#publish({ case: "heartbeat", value: {} });
  }

  #publish(kind: EmbedChunkKind): void {
    this.#seq += 1;
    this.#lastSent = performance.now();
    try {
      this.bus.publish(this.subject, encodeEmbedChunk(this.requestId, this.#seq, kind));
    } catch (err) {
      this.onPublishError(err);
    }
  }
}
