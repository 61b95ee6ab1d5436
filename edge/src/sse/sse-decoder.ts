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
  /** Pieces of the line being read, copied from earlier chunks (it began there). */
  #line: Uint8Array[] = [];
  /** The event being read, copied from earlier chunks: its bytes before the current chunk. */
  #raw: Uint8Array[] = [];
  /** Where the event being read begins in the current chunk (0 when it began earlier). */
  #rawStart = 0;
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
    this.#rawStart = 0;
    if (this.#pendingCr && chunk.length > 0) {
      this.#pendingCr = false;
      if (chunk[0] === LF) start = 1;
      const event = this.#endLine(this.#takeLine(EMPTY), chunk, start);
      if (event) out.push(event);
    }
    // Line ends are found by the runtime's byte search (indexOf), not a loop over every byte:
    // the scan was most of a stream's decoding time. A CR is rare; it is looked for once and
    // again only past each one found.
    let nextCr = chunk.indexOf(CR, start);
    let lineStart = start;
    while (lineStart < chunk.length) {
      const lf = chunk.indexOf(LF, lineStart);
      if (nextCr !== -1 && nextCr < lineStart) nextCr = chunk.indexOf(CR, lineStart);
      const cr = nextCr !== -1 && (lf === -1 || nextCr < lf);
      const at = cr ? nextCr : lf;
      if (at === -1) break;
      if (cr && at + 1 === chunk.length) {
        // Whether a LF follows is for the next chunk to say.
        this.#line.push(chunk.slice(lineStart, at));
        this.#pendingCr = true;
        lineStart = chunk.length;
        break;
      }
      const end = cr && chunk[at + 1] === LF ? at + 2 : at + 1;
      const event = this.#endLine(this.#takeLine(chunk.subarray(lineStart, at)), chunk, end);
      if (event) out.push(event);
      lineStart = end;
    }
    // What is kept past this call is copied: the caller may reuse its buffer. Each byte is
    // copied at most once, however many chunks an event spans.
    if (this.#rawStart < chunk.length) this.#raw.push(chunk.slice(this.#rawStart));
    if (lineStart < chunk.length) this.#line.push(chunk.slice(lineStart));
    return out;
  }

  /** The end of the stream: returns an event its last CR completed; one not closed by a blank line is dropped, as the spec says. */
  end(): SseEvent[] {
    const last = this.#pendingCr ? this.#endLine(this.#takeLine(EMPTY), EMPTY, 0) : undefined;
    this.#pendingCr = false;
    this.#line = [];
    this.#raw = [];
    this.#reset();
    return last ? [last] : [];
  }

  /** The whole line: its pieces from earlier chunks, then `tail` from this one. */
  #takeLine(tail: Uint8Array): Uint8Array {
    if (this.#line.length === 0) return tail;
    this.#line.push(tail);
    const bytes = concatBytes(this.#line);
    this.#line = [];
    return bytes;
  }

  /** One complete line; `chunk` up to `end` is where its line ending ends. */
  #endLine(bytes: Uint8Array, chunk: Uint8Array, end: number): SseEvent | undefined {
    if (bytes.length === 0) return this.#dispatch(chunk, end);
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

  /** A blank line ending at `end` of `chunk`: the event read so far, if it has data. */
  #dispatch(chunk: Uint8Array, end: number): SseEvent | undefined {
    const here = chunk.subarray(this.#rawStart, end);
    // Within this chunk: a view of it, no copy.
    const raw = this.#raw.length === 0 ? here : concatBytes([...this.#raw, here]);
    this.#raw = [];
    this.#rawStart = end;
    if (this.#data.length === 0) {
      this.#reset();
      return undefined;
    }
    const event: SseEvent = { event: this.#event, data: this.#data.length === 1 ? (this.#data[0] as string) : this.#data.join("\n"), id: this.#id, raw };
    this.#reset();
    return event;
  }

  #reset(): void {
    this.#event = undefined;
    this.#data = [];
    this.#id = undefined;
  }
}

/**
 * Byte pieces as one array: the piece itself when there is one, and one view of their buffer
 * when they lie back to back in it (the events of one read), so a copy only when they do not.
 */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  let end = first.byteOffset + first.byteLength;
  let k = 1;
  for (; k < parts.length; k++) {
    const p = parts[k]!;
    if (p.buffer !== first.buffer || p.byteOffset !== end) break;
    end += p.byteLength;
  }
  if (k === parts.length) return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
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
