/**
 * @module Gateway side of the chat protocol: sends a ChatRequest over the Bus and yields the
 * worker's chunks in order. Gaps, silence past the idle timeout, the deadline and worker
 * errors all end the stream with a GatewayError; stopping early cancels the worker.
 */
import type { Bus } from "../bus/bus.ts";
import { BusNoRespondersError, BusPayloadTooLargeError, BusTimeoutError, BusUnavailableError } from "../bus/errors.ts";
import type { Subjects } from "../bus/subjects.ts";
import { type ChatChunk, type ChatRequestFields, decodeChatChunk, encodeCancel, encodeChatRequest } from "../codec/chat-codec.ts";
import { GatewayError, gatewayTimeout, payloadTooLarge, serviceUnavailable } from "../errors.ts";
import { AsyncQueue, TIMEOUT } from "./async-queue.ts";
import type { ChatEvent } from "./chat-events.ts";

export interface ChatStreamOptions {
  /** How long a worker may take to accept the request. */
  acceptTimeoutMs: number;
  /** Longest silence (no token, no heartbeat) before the worker is taken for dead. */
  idleTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Lets the caller refine errors raised before acceptance (e.g. 503 → 404 for unknown models). */
  mapAcceptError?: (err: GatewayError) => GatewayError;
}

export async function* streamChat(
  bus: Bus,
  subjects: Subjects,
  request: Omit<ChatRequestFields, "streamSubject">,
  options: ChatStreamOptions,
): AsyncGenerator<ChatEvent, void, undefined> {
  const { requestId, model } = request;
  const queue = new AsyncQueue<Uint8Array>();
  const streamSubject = bus.createInbox();
  let sub: { unsubscribe(): void };
  try {
    sub = bus.subscribe(streamSubject, (msg) => queue.push(msg.data));
  } catch (err) {
    throw toGatewayError(err, model);
  }
  let finished = false;
  let accepted = false;
  const cancel = (reason: string) => {
    if (!accepted || finished) return;
    finished = true;
    try {
      bus.publish(subjects.cancel(requestId), encodeCancel(requestId, reason));
    } catch {
      // The bus is down: the worker will notice its deadline or lost connection.
    }
  };
  const onAbort = () => cancel("client disconnected");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const payload = encodeChatRequest({ ...request, streamSubject });
    let first: ChatChunk;
    try {
      const reply = await bus.request(subjects.chat(model), payload, { timeoutMs: options.acceptTimeoutMs });
      first = decodeChatChunk(reply.data);
    } catch (err) {
      const e = toGatewayError(err, model);
      throw options.mapAcceptError ? options.mapAcceptError(e) : e;
    }
    if (first.kind.case === "error") throw workerError(first.kind.value.status, first.kind.value.code, first.kind.value.message);
    if (first.kind.case !== "accepted" || first.seq !== 0) throw protocolError(`expected accepted chunk 0, got ${first.kind.case} ${first.seq}`);
    accepted = true;
    if (options.signal?.aborted) {
      cancel("client disconnected");
      return;
    }
    yield { type: "accepted", workerId: first.kind.value.workerId, promptTokens: first.kind.value.promptTokens };
    yield* readChunks(queue, requestId, request.deadlineUnixMs, options.idleTimeoutMs, () => {
      finished = true;
    });
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    // Reached by normal end, an error, or the consumer stopping early (return()).
    cancel("stream closed by gateway");
    sub.unsubscribe();
  }
}

async function* readChunks(
  queue: AsyncQueue<Uint8Array>,
  requestId: string,
  deadlineUnixMs: number,
  idleTimeoutMs: number,
  markFinished: () => void,
): AsyncGenerator<ChatEvent, void, undefined> {
  let expected = 1;
  const inOrder = (data: Uint8Array): ChatChunk => {
    const chunk = decodeChatChunk(data);
    if (chunk.seq !== expected) throw protocolError(`chunk gap: expected seq ${expected}, got ${chunk.seq}`);
    expected += 1;
    return chunk;
  };
  let carried: ChatChunk | undefined;
  for (;;) {
    let chunk = carried;
    carried = undefined;
    if (!chunk) {
      const wait = deadlineUnixMs > 0 ? Math.min(idleTimeoutMs, deadlineUnixMs - Date.now()) : idleTimeoutMs;
      const data = wait > 0 ? await queue.next(wait) : TIMEOUT;
      if (data === TIMEOUT) {
        if (deadlineUnixMs > 0 && Date.now() >= deadlineUnixMs) throw gatewayTimeout(`request ${requestId} passed its deadline`);
        throw serviceUnavailable(`the worker stopped responding (no data for ${idleTimeoutMs} ms)`, "worker_lost");
      }
      chunk = inOrder(data);
    }
    const kind = chunk.kind;
    switch (kind.case) {
      case "token": {
        // Tokens that queued up while the client was being written to leave as one event.
        let { text, count } = kind.value;
        for (let data = queue.tryShift(); data !== undefined; data = queue.tryShift()) {
          const next = inOrder(data);
          if (next.kind.case !== "token") {
            carried = next;
            break;
          }
          text += next.kind.value.text;
          count += next.kind.value.count;
        }
        yield { type: "token", text, count };
        break;
      }
      case "usage":
        yield { type: "usage", promptTokens: kind.value.promptTokens, completionTokens: kind.value.completionTokens };
        break;
      case "done":
        markFinished();
        yield { type: "done", finishReason: kind.value.finishReason === "length" ? "length" : "stop" };
        return;
      case "error":
        markFinished();
        throw workerError(kind.value.status, kind.value.code, kind.value.message);
      case "heartbeat":
        break;
      default:
        throw protocolError(`unexpected chunk ${String(kind.case)}`);
    }
  }
}

function workerError(status: number, code: string, message: string): GatewayError {
  return GatewayError.fromStatus(status >= 400 ? status : 500, message || "worker error", code || "worker_error");
}

function protocolError(message: string): GatewayError {
  return new GatewayError(`protocol error from worker: ${message}`, { status: 502, type: "server_error", code: "bad_worker_response" });
}

function toGatewayError(err: unknown, model: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof BusNoRespondersError) return serviceUnavailable(`No worker is available for model '${model}'.`, "no_worker_available");
  if (err instanceof BusTimeoutError) return serviceUnavailable(`No worker accepted the request for model '${model}' in time.`, "worker_timeout");
  if (err instanceof BusUnavailableError) return serviceUnavailable("The message bus is unavailable; try again shortly.", "bus_unavailable");
  if (err instanceof BusPayloadTooLargeError)
    return payloadTooLarge(`The request is ${err.size} bytes once encoded; the bus carries at most ${err.limit} bytes per message.`);
  return GatewayError.from(err);
}
