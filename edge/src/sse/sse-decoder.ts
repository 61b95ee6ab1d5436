/**
 * @module The one SSE decoder of the gateway: bytes in any split (inside a line, inside a
 * UTF-8 character, many events in one read) → events, each with the exact bytes it came in,
 * so a stream can be forwarded unchanged while its fields are read. Linear: every byte is
 * scanned once and every line copied at most once (the SDKs' parsers rescan their buffer on
 * each read, quadratic when many events arrive together).
 */

export interface SseEvent {
  /** The `event:` field; undefined when absent. */
  event: string | undefined;
  /** The `data:` lines joined with "\n". */
  data: string;
  id: string | undefined;
  /**
   * The event's bytes as received, through its blank line: a view of the pushed chunk when the
   * event lay within it (valid while the caller does not reuse that chunk's buffer).
   */
  raw: Uint8Array;
}

const LF = 10;
const CR = 13;
const EMPTY = new Uint8Array(0);

export class SseDecoder {
  readonly #utf8 = new TextDecoder();
  /** Pieces of the line being read (it began in an earlier chunk). */
  #line: Uint8Array[] = [];
  /** Pieces of the event being read, through the last complete line. */
  #raw: Uint8Array[] = [];
  /** How many of #raw's pieces are copies of our own (the rest are views of the current chunk). */
  #owned = 0;
  /**
   * The last chunk ended on a CR: that line is complete but not yet processed, since a LF
   * starting the next chunk belongs to its line end (so an event's bytes never depend on how
   * the stream was split).
   */
  #pendingCr = false;
  #event: string | undefined;
  #data: string[] = [];
  #id: string | undefined;

  /** Decodes a chunk; returns the events it completes. */
  push(chunk: Uint8Array): SseEvent[] {
    const out: SseEvent[] = [];
    let start = 0;
    if (this.#pendingCr && chunk.length > 0) {
      this.#pendingCr = false;
      if (chunk[0] === LF) {
        this.#raw.push(chunk.subarray(0, 1));
        start = 1;
      }
      const event = this.#endLine();
      if (event) out.push(event);
    }
    let lineStart = start;
    for (let i = start; i < chunk.length; i++) {
      const b = chunk[i];
      if (b !== LF && b !== CR) continue;
      if (b === CR && i + 1 === chunk.length) {
        this.#line.push(chunk.slice(lineStart, i));
        this.#raw.push(chunk.subarray(lineStart, i + 1));
        this.#pendingCr = true;
        lineStart = chunk.length;
        break;
      }
      const end = b === CR && chunk[i + 1] === LF ? i + 2 : i + 1;
      this.#line.push(chunk.subarray(lineStart, i));
      this.#raw.push(chunk.subarray(lineStart, end));
      const event = this.#endLine();
      if (event) out.push(event);
      i = end - 1;
      lineStart = end;
    }
    // What is kept past this call is copied: the caller may reuse its buffer. Each byte is
    // copied at most once, however many chunks an event spans.
    for (let k = this.#owned; k < this.#raw.length; k++) this.#raw[k] = this.#raw[k]!.slice();
    if (lineStart < chunk.length) {
      const rest = chunk.slice(lineStart);
      this.#line.push(rest);
      this.#raw.push(rest);
    }
    this.#owned = this.#raw.length;
    return out;
  }

  /** The end of the stream: returns an event its last CR completed; one not closed by a blank line is dropped, as the spec says. */
  end(): SseEvent[] {
    const last = this.#pendingCr ? this.#endLine() : undefined;
    this.#pendingCr = false;
    this.#line = [];
    this.#raw = [];
    this.#owned = 0;
    this.#reset();
    return last ? [last] : [];
  }

  #endLine(): SseEvent | undefined {
    const bytes = concatBytes(this.#line);
    this.#line = [];
    if (bytes.length === 0) return this.#dispatch();
    if (bytes[0] === 58 /* ":" */) return undefined;
    const text = this.#utf8.decode(bytes);
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const raw = concatBytes(this.#raw);
    this.#raw = [];
    this.#owned = 0;
    if (this.#data.length === 0) {
      this.#reset();
      return undefined;
    }
    const event: SseEvent = { event: this.#event, data: this.#data.join("\n"), id: this.#id, raw };
    this.#reset();
    return event;
  }

  #reset(): void {
    this.#event = undefined;
    this.#data = [];
    this.#id = undefined;
  }
}

/** Byte pieces as one array (the piece itself when there is one). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A byte stream as its events, decoded once. */
export async function* sseEvents(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new SseDecoder();
  const source: AsyncIterable<Uint8Array> = Symbol.asyncIterator in body ? body : readChunks(body);
  for await (const chunk of source) yield* decoder.push(chunk);
  yield* decoder.end();
}

/** A byte stream's reads, as they come. */
export async function* readChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
