/**
 * @module An upstream Response's body as its byte reads, for the readers that decode it
 * themselves (the SSE decoder). A fetch may hand its body over without a web stream by
 * implementing `RESPONSE_BYTES` (nodeFetch does: on Node 20 a ReadableStream and its adapter
 * cost more per request than the rest of the read); any other Response is read through its
 * `body`. Runtime-neutral: the Workers build reads the platform's Response here too.
 */
import { readChunks } from "../../sse/sse-decoder.ts";

/** A method a Response may have: its body's reads, once, or undefined if the body was taken already. */
export const RESPONSE_BYTES: unique symbol = Symbol("switchyard.responseBytes");

interface HasOwnBytes {
  [RESPONSE_BYTES](): AsyncIterable<Uint8Array> | undefined;
}

/** The body's reads as they come; undefined for a Response without a body. */
export function responseBytes(response: Response): AsyncIterable<Uint8Array> | undefined {
  const own = (response as Response & Partial<HasOwnBytes>)[RESPONSE_BYTES]?.();
  if (own) return own;
  return response.body ? readChunks(response.body) : undefined;
}

/**
 * Lets go of a body its reader never started on: a consumer that stops at "accepted" (return(),
 * no signal fired) must not leave the upstream connection holding an unread answer. Free once
 * the body has been read (bodyUsed).
 */
export function letGo(response: Response): void {
  if (!response.bodyUsed) response.body?.cancel().catch(() => {});
}
