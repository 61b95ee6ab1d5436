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
const COLON = 58;
const SPACE = 32;
const EMPTY = new Uint8Array(0);
const NO_EVENTS: readonly SseEvent[] = Object.freeze([]);

/** Values keep a byte order mark (only the stream's first line drops one, as the spec says). */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
/** Node's Buffer, where there is one: it decodes a range of a read without a view object for it. */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** UTF-8 text of bytes [from, to): invalid sequences become U+FFFD either way. */
function decodeRange(bytes: Uint8Array, from: number, to: number): string {
  if (from === to) return "";
  if (NodeBuffer?.isBuffer(bytes)) return bytes.toString("utf8", from, to);
  return utf8.decode(bytes.subarray(from, to));
}

/**
 * A copy of bytes [from, to): Uint8Array's slice, which copies, also for a Buffer (whose own
 * slice is a view, which would keep the read's memory and change if its buffer is reused).
 */
const copyOf = (bytes: Uint8Array, from: number, to = bytes.length): Uint8Array => Uint8Array.prototype.slice.call(bytes, from, to);

type Field = "data" | "event" | "id";

/** The field named by bytes [from, to), compared as bytes: one we use, or undefined (ignored, as `retry` and unknown names are). */
function fieldAt(b: Uint8Array, from: number, to: number): Field | undefined {
  const n = to - from;
  if (n === 4 && b[from] === 100 && b[from + 1] === 97 && b[from + 2] === 116 && b[from + 3] === 97) return "data";
  if (n === 5 && b[from] === 101 && b[from + 1] === 118 && b[from + 2] === 101 && b[from + 3] === 110 && b[from + 4] === 116) return "event";
  if (n === 2 && b[from] === 105 && b[from + 1] === 100) return "id";
  return undefined;
}

export class SseDecoder {
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
  /** No line read yet: a byte order mark at the very start is dropped. */
  #firstLine = true;
  #event: string | undefined;
  /** The event's `data:` values: one string for the usual single line, an array only for more. */
  #data: string | string[] | undefined;
  #id: string | undefined;

  /**
   * Decodes a chunk; returns the events it completes. Lines are read in place (offsets into
   * the chunk): only a value is decoded to a string, the field name is compared as bytes, and
   * no view is made per line, so an event costs its data string and its record.
   */
  push(chunk: Uint8Array): readonly SseEvent[] {
    // Made for the first event (most reads complete one): a literal holds just it, where an
    // empty array's first push reserves room for 17.
    let out: SseEvent[] | undefined;
    let start = 0;
    this.#rawStart = 0;
    if (this.#pendingCr && chunk.length > 0) {
      this.#pendingCr = false;
      if (chunk[0] === LF) start = 1;
      const line = this.#takeLine(EMPTY);
      const event = this.#endLine(line, 0, line.length, chunk, start);
      if (event) out = [event];
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
        this.#line.push(copyOf(chunk, lineStart, at));
        this.#pendingCr = true;
        lineStart = chunk.length;
        break;
      }
      const end = cr && chunk[at + 1] === LF ? at + 2 : at + 1;
      let event: SseEvent | undefined;
      if (this.#line.length === 0) event = this.#endLine(chunk, lineStart, at, chunk, end);
      else {
        const line = this.#takeLine(chunk.subarray(lineStart, at));
        event = this.#endLine(line, 0, line.length, chunk, end);
      }
      if (event) {
        if (out) out.push(event);
        else out = [event];
      }
      lineStart = end;
    }
    // What is kept past this call is copied: the caller may reuse its buffer. Each byte is
    // copied at most once, however many chunks an event spans.
    if (this.#rawStart < chunk.length) this.#raw.push(copyOf(chunk, this.#rawStart));
    if (lineStart < chunk.length) this.#line.push(copyOf(chunk, lineStart));
    return out ?? NO_EVENTS;
  }

  /** The end of the stream: returns an event its last CR completed; one not closed by a blank line is dropped, as the spec says. */
  end(): readonly SseEvent[] {
    let last: SseEvent | undefined;
    if (this.#pendingCr) {
      const line = this.#takeLine(EMPTY);
      last = this.#endLine(line, 0, line.length, EMPTY, 0);
    }
    this.#pendingCr = false;
    this.#line = [];
    this.#raw = [];
    this.#reset();
    return last ? [last] : NO_EVENTS;
  }

  /** The whole line: its pieces from earlier chunks, then `tail` from this one. */
  #takeLine(tail: Uint8Array): Uint8Array {
    if (this.#line.length === 0) return tail;
    this.#line.push(tail);
    const bytes = concatBytes(this.#line);
    this.#line = [];
    return bytes;
  }

  /** One complete line, bytes [from, to) of `bytes`; `chunk` up to `end` is where its line ending ends. */
  #endLine(bytes: Uint8Array, from: number, to: number, chunk: Uint8Array, end: number): SseEvent | undefined {
    if (this.#firstLine) {
      this.#firstLine = false;
      if (to - from >= 3 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf) from += 3;
    }
    if (from === to) return this.#dispatch(chunk, end);
    if (bytes[from] === COLON) return undefined;
    let colon = from;
    while (colon < to && bytes[colon] !== COLON) colon++;
    const field = fieldAt(bytes, from, colon);
    if (field === undefined) return undefined;
    let valueStart = colon < to ? colon + 1 : to;
    if (valueStart < to && bytes[valueStart] === SPACE) valueStart++;
    const value = decodeRange(bytes, valueStart, to);
    if (field === "data") {
      if (this.#data === undefined) this.#data = value;
      else if (typeof this.#data === "string") this.#data = [this.#data, value];
      else this.#data.push(value);
    } else if (field === "event") this.#event = value;
    else if (!value.includes("\0")) this.#id = value;
    return undefined;
  }

  /** A blank line ending at `end` of `chunk`: the event read so far, if it has data. */
  #dispatch(chunk: Uint8Array, end: number): SseEvent | undefined {
    const here = chunk.subarray(this.#rawStart, end);
    // Within this chunk: a view of it, no copy.
    const raw = this.#raw.length === 0 ? here : concatBytes([...this.#raw, here]);
    this.#raw = [];
    this.#rawStart = end;
    const data = this.#data;
    if (data === undefined) {
      this.#reset();
      return undefined;
    }
    const event: SseEvent = { event: this.#event, data: typeof data === "string" ? data : data.join("\n"), id: this.#id, raw };
    this.#reset();
    return event;
  }

  #reset(): void {
    this.#event = undefined;
    this.#data = undefined;
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
