/**
 * @module The gateway side of a streamed request over the Bus, for any protocol shaped like
 * chat and speech: subscribe a stream inbox, send the request, wait for chunk 0 (accepted or
 * error), then yield the worker's chunks in order, in batches of what has arrived. Gaps,
 * silence past the idle timeout, the deadline and error chunks end it with a GatewayError;
 * stopping early (or the client's abort signal) sends a Cancel.
 */
import { encodeCancel } from "../codec/chat-codec.ts";
import { GatewayError, gatewayTimeout, payloadTooLarge, serviceUnavailable } from "../errors.ts";
import { AsyncQueue, TIMEOUT } from "../llm/async-queue.ts";
import type { Bus } from "./bus.ts";
import type { Subjects } from "./subjects.ts";
import { BusNoRespondersError, BusPayloadTooLargeError, BusTimeoutError, BusUnavailableError } from "./errors.ts";

/** What a caller of any streamed protocol (chat, embeddings, speech) sets. */
export interface StreamCallOptions {
  /** How long a worker may take to accept the request. */
  acceptTimeoutMs: number;
  /** Longest silence (no data, no heartbeat) before the worker is taken for dead. */
  idleTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Lets the caller refine errors raised before acceptance (e.g. 503 → 404 for unknown models). */
  mapAcceptError?: ((err: GatewayError) => GatewayError) | undefined;
}

/** A call to a model's workers (chat, embeddings). */
export interface ModelCallOptions extends StreamCallOptions {
  /** Where the request goes: a chosen worker's own subject; default the model's queue group. */
  subject?: string;
}

/** The options every protocol's client fills the same way from its request and its caller's options. */
export function callOptions(subjects: Subjects, request: { requestId: string; deadlineUnixMs: number }, options: StreamCallOptions) {
  return {
    cancelSubject: subjects.cancel(request.requestId),
    requestId: request.requestId,
    acceptTimeoutMs: options.acceptTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    deadlineUnixMs: request.deadlineUnixMs,
    signal: options.signal,
    mapAcceptError: options.mapAcceptError,
  };
}

/** What every protocol's chunk has: a sequence number and a oneof with these common cases. */
export interface SequencedChunk {
  seq: number;
  kind:
    | { case: "error"; value: ErrorValue }
    | { case: "heartbeat"; value: unknown }
    | { case: "done"; value: unknown }
    | { case: string | undefined; value?: unknown };
}

export interface StreamedRequestOptions<C extends SequencedChunk> {
  subject: string;
  cancelSubject: string;
  requestId: string;
  /** Encodes the request, given the inbox the chunks must go to. */
  encode(streamSubject: string): Uint8Array;
  decode(data: Uint8Array): C;
  /** What is being asked for, for error messages ("model 'x'", "voice 'y'"). */
  what: string;
  acceptTimeoutMs: number;
  idleTimeoutMs: number;
  deadlineUnixMs: number;
  signal?: AbortSignal | undefined;
  mapAcceptError?: ((err: GatewayError) => GatewayError) | undefined;
}

/** Yields [accepted], then batches of in-order chunks (heartbeats dropped), ending with done. */
export async function* streamedRequest<C extends SequencedChunk>(bus: Bus, o: StreamedRequestOptions<C>): AsyncGenerator<C[], void, undefined> {
  const queue = new AsyncQueue<Uint8Array>();
  const streamSubject = bus.createInbox();
  let sub: { unsubscribe(): void };
  try {
    sub = bus.subscribe(streamSubject, (msg) => queue.push(msg.data));
  } catch (err) {
    throw toGatewayError(err, o.what);
  }
  let finished = false;
  let accepted = false;
  const cancel = (reason: string) => {
    if (!accepted || finished) return;
    finished = true;
    try {
      bus.publish(o.cancelSubject, encodeCancel(o.requestId, reason));
    } catch {
      // The bus is down: the worker will notice its deadline or lost connection.
    }
  };
  const onAbort = () => cancel("client disconnected");
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let first: C;
    try {
      const reply = await bus.request(o.subject, o.encode(streamSubject), { timeoutMs: o.acceptTimeoutMs });
      first = o.decode(reply.data);
    } catch (err) {
      // A worker that answers after the timeout must not generate for nobody.
      if (err instanceof BusTimeoutError) {
        accepted = true;
        cancel("accept timed out");
      }
      const e = toGatewayError(err, o.what);
      throw o.mapAcceptError ? o.mapAcceptError(e) : e;
    }
    if (first.kind.case === "error") throw workerError(first.kind.value as ErrorValue);
    if (first.kind.case !== "accepted" || first.seq !== 0) throw protocolError(`expected accepted chunk 0, got ${String(first.kind.case)} ${first.seq}`);
    accepted = true;
    if (o.signal?.aborted) {
      cancel("client disconnected");
      return;
    }
    yield [first];
    let expected = 1;
    for (;;) {
      const wait = o.deadlineUnixMs > 0 ? Math.min(o.idleTimeoutMs, o.deadlineUnixMs - Date.now()) : o.idleTimeoutMs;
      const data = wait > 0 ? await queue.next(wait) : TIMEOUT;
      if (data === TIMEOUT) {
        if (o.deadlineUnixMs > 0 && Date.now() >= o.deadlineUnixMs) throw gatewayTimeout(`request ${o.requestId} passed its deadline`);
        throw serviceUnavailable(`the worker stopped responding (no data for ${o.idleTimeoutMs} ms)`, "worker_lost");
      }
      // Whatever queued up while the client was being written to goes out as one batch.
      const batch: C[] = [];
      for (let d: Uint8Array | undefined = data; d !== undefined; d = queue.tryShift()) {
        const chunk = o.decode(d);
        if (chunk.seq !== expected) throw protocolError(`chunk gap: expected seq ${expected}, got ${chunk.seq}`);
        expected += 1;
        if (chunk.kind.case === "error") {
          finished = true;
          if (batch.length > 0) yield batch;
          throw workerError(chunk.kind.value as ErrorValue);
        }
        if (chunk.kind.case !== "heartbeat") batch.push(chunk);
        if (chunk.kind.case === "done") {
          finished = true;
          yield batch;
          return;
        }
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    // Reached by normal end, an error, or the consumer stopping early (return()).
    cancel("stream closed by gateway");
    sub.unsubscribe();
  }
}

type ErrorValue = { code: string; message: string; status: number; param?: string };

function workerError(e: ErrorValue): GatewayError {
  return GatewayError.fromStatus(e.status >= 400 ? e.status : 500, e.message || "worker error", e.code || "worker_error", e.param || null);
}

function protocolError(message: string): GatewayError {
  return new GatewayError(`protocol error from worker: ${message}`, { status: 502, type: "server_error", code: "bad_worker_response" });
}

function toGatewayError(err: unknown, what: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof BusNoRespondersError) return serviceUnavailable(`No worker is available for ${what}.`, "no_worker_available");
  if (err instanceof BusTimeoutError) return serviceUnavailable(`No worker accepted the request for ${what} in time.`, "worker_timeout");
  if (err instanceof BusUnavailableError) return serviceUnavailable("The message bus is unavailable; try again shortly.", "bus_unavailable");
  if (err instanceof BusPayloadTooLargeError)
    return payloadTooLarge(`The request is ${err.size} bytes once encoded; the bus carries at most ${err.limit} bytes per message.`);
  return GatewayError.from(err);
}
