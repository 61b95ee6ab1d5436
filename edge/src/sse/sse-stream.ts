/**
 * @module The one SSE encoder: an async iterable of JSON-able events becomes a byte stream of
 * `data:` frames ending in `data: [DONE]` (bytes pass as they are: an upstream's own events). Pull-based, so a slow client slows the producer,
 * and a client that goes away cancels it (which cancels the generation upstream).
 */

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

export const sseFrame = (value: unknown, event?: string): Uint8Array =>
  encoder.encode(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(value)}\n\n`);

export interface SseSource<T = unknown> {
  events: AsyncIterator<T>;
  /**
   * What each event sends (default: the event itself); undefined sends nothing for it. A filter
   * here costs a call per event, where one more async generator in front of `events` would add
   * a generator step, promises and a held frame per event and per open stream.
   */
  select?: (value: T) => unknown;
  /** Turns an error thrown mid-stream into the final event sent before closing. */
  onError: (err: unknown) => unknown;
  /** Anthropic style: each event's `type` field is also its `event:` name, and no [DONE] ends the stream. */
  namedEvents?: boolean;
}

const eventName = (value: unknown): string | undefined =>
  typeof value === "object" && value !== null && "type" in value && typeof value.type === "string" ? value.type : undefined;

export function sseStream<T>({ events, select, onError, namedEvents = false }: SseSource<T>): ReadableStream<Uint8Array> {
  const frame = (value: unknown) => sseFrame(value, namedEvents ? eventName(value) : undefined);
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        try {
          for (;;) {
            const next = await events.next();
            if (next.done) {
              finished = true;
              if (!namedEvents) controller.enqueue(DONE);
              controller.close();
              return;
            }
            const value = select ? select(next.value) : next.value;
            if (value === undefined) continue;
            controller.enqueue(value instanceof Uint8Array ? value : frame(value));
            return;
          }
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
