/**
 * @module A response body passed on by pulling, with a hook when it ends. A client that goes
 * away cancels this stream, and the cancel goes straight to the inner body's own cancel (so on
 * to the worker). The pipe it replaces (TransformStream + pipeTo in waitUntil) noticed a
 * cancelled destination only on its next write, and under Miniflare with the CPU busy now and
 * then not at all: the generation ran to max_tokens for nobody.
 *
 * workerd does not always report a disconnect either: with its write of a chunk blocked on a
 * client that stopped reading and then went away, neither request.signal nor this stream's
 * cancel came (5 of 60 in a bare Worker under Miniflare; workerd issues #5611, #6832). So, as
 * nginx's send_timeout does, a chunk the runtime has not taken within the send timeout means
 * the client is gone: the inner body is cancelled (the worker stops) and the response cut.
 * It is not only big chunks: a stream of small ones whose client aborted lost both signals in
 * ~2.5% of cancels under Miniflare with the CPU shared (6 of 240), the runtime simply never
 * asking for the next chunk. The cut is reported (onSendTimeout) so it shows in the log.
 */

export interface RelayedBody {
  response: Response;
  /** Cancels the inner body as a client's disconnect would (idempotent). */
  cancel(reason: string): void;
}

export interface RelayOptions {
  /** Runs once: after the last chunk, an error, or a cancel. */
  onEnd(cancelled: boolean): void;
  /** How long one chunk may wait for the runtime to take the next (0 or absent: no bound). */
  sendTimeoutMs?: number | undefined;
  /** Told when the send timeout cut the response: a disconnect the runtime never reported. */
  onSendTimeout?: ((ms: number) => void) | undefined;
}

export function relayBody(response: Response, { onEnd, sendTimeoutMs = 0, onSendTimeout }: RelayOptions): RelayedBody {
  const inner = response.body;
  if (!inner) {
    onEnd(false);
    return { response, cancel: () => {} };
  }
  const reader = inner.getReader();
  let ended = false;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let stalled: ReturnType<typeof setTimeout> | undefined;
  const end = (cancelled: boolean) => {
    clearTimeout(stalled);
    if (ended) return;
    ended = true;
    onEnd(cancelled);
  };
  const cancelInner = (reason: unknown) => {
    const wasEnded = ended;
    end(true);
    if (!wasEnded) reader.cancel(reason).catch(() => {});
  };
  const sendTimedOut = () => {
    if (ended) return;
    relayed.cancel(`the client took no data for ${sendTimeoutMs} ms`);
    onSendTimeout?.(sendTimeoutMs);
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull(c) {
        clearTimeout(stalled);
        try {
          const { done, value } = await reader.read();
          if (done) {
            c.close();
            end(false);
          } else {
            c.enqueue(value);
            if (sendTimeoutMs > 0) stalled = setTimeout(sendTimedOut, sendTimeoutMs);
          }
        } catch (err) {
          c.error(err);
          end(false);
        }
      },
      cancel: cancelInner,
    },
    { highWaterMark: 0 },
  );
  const relayed: RelayedBody = {
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
  return relayed;
}
