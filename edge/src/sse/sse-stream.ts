/**
 * @module The one SSE encoder: an async iterable of JSON-able events becomes a byte stream of
 * `data:` frames ending in `data: [DONE]`. Pull-based, so a slow client slows the producer,
 * and a client that goes away cancels it (which cancels the generation upstream).
 */

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

export const sseFrame = (value: unknown): Uint8Array => encoder.encode(`data: ${JSON.stringify(value)}\n\n`);

export interface SseSource {
  events: AsyncIterator<unknown>;
  /** Turns an error thrown mid-stream into the final event sent before closing. */
  onError: (err: unknown) => unknown;
}

export function sseStream({ events, onError }: SseSource): ReadableStream<Uint8Array> {
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        try {
          const next = await events.next();
          if (next.done) {
            finished = true;
            controller.enqueue(DONE);
            controller.close();
          } else controller.enqueue(sseFrame(next.value));
        } catch (err) {
          finished = true;
          controller.enqueue(sseFrame(onError(err)));
          controller.close();
        }
      },
      async cancel() {
        finished = true;
        await events.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
