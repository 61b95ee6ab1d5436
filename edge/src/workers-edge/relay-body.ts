/**
 * @module A response body passed on by pulling, with a hook when it ends. A client that goes
 * away cancels this stream, and the cancel goes straight to the inner body's own cancel (so on
 * to the worker). The pipe it replaces (TransformStream + pipeTo in waitUntil) noticed a
 * cancelled destination only on its next write, and under Miniflare with the CPU busy now and
 * then not at all: the generation ran to max_tokens for nobody.
 */

export interface RelayedBody {
  response: Response;
  /** Cancels the inner body as a client's disconnect would (idempotent). */
  cancel(reason: string): void;
}

/** `onEnd(cancelled)` runs once: after the last chunk, an error, or a cancel. */
export function relayBody(response: Response, onEnd: (cancelled: boolean) => void): RelayedBody {
  const inner = response.body;
  if (!inner) {
    onEnd(false);
    return { response, cancel: () => {} };
  }
  const reader = inner.getReader();
  let ended = false;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const end = (cancelled: boolean) => {
    if (ended) return;
    ended = true;
    onEnd(cancelled);
  };
  const cancelInner = (reason: unknown) => {
    const wasEnded = ended;
    end(true);
    if (!wasEnded) reader.cancel(reason).catch(() => {});
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull(c) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            c.close();
            end(false);
          } else c.enqueue(value);
        } catch (err) {
          c.error(err);
          end(false);
        }
      },
      cancel: cancelInner,
    },
    { highWaterMark: 0 },
  );
  return {
    response: new Response(body, response),
    cancel(reason) {
      if (ended) return;
      cancelInner(new Error(reason));
      try {
        controller?.error(new Error(reason));
      } catch {
        // Already closed.
      }
    },
  };
}
