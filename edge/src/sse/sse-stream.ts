/**
 * @module The one SSE encoder: an async iterable of JSON-able events becomes a byte stream of
 * `data:` frames ending in `data: [DONE]` (bytes pass as they are: an upstream's own events). Pull-based, so a slow client slows the producer,
 * and a client that goes away cancels it (which cancels the generation upstream).
 */

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

export const sseFrame = (value: unknown, event?: string): Uint8Array =>
  encoder.encode(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(value)}\n\n`);

export interface SseSource {
  events: AsyncIterator<unknown>;
  /** Turns an error thrown mid-stream into the final event sent before closing. */
  onError: (err: unknown) => unknown;
  /** Anthropic style: each event's `type` field is also its `event:` name, and no [DONE] ends the stream. */
  namedEvents?: boolean;
}

const eventName = (value: unknown): string | undefined =>
  typeof value === "object" && value !== null && "type" in value && typeof value.type === "string" ? value.type : undefined;

export function sseStream({ events, onError, namedEvents = false }: SseSource): ReadableStream<Uint8Array> {
  const frame = (value: unknown) => sseFrame(value, namedEvents ? eventName(value) : undefined);
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        try {
          const next = await events.next();
          if (next.done) {
            finished = true;
            if (!namedEvents) controller.enqueue(DONE);
            controller.close();
          } else controller.enqueue(next.value instanceof Uint8Array ? next.value : frame(next.value));
        } catch (err) {
          finished = true;
          controller.enqueue(frame(onError(err)));
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
