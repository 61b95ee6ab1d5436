/**
 * @module Encodes and decodes the embeddings wire messages: the only place their protobuf
 * bytes are made or read, and the one place vectors turn into float32 bytes and back.
 */
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type EmbedChunk, EmbedChunkSchema, type EmbedRequest, EmbedRequestSchema } from "@switchyard/proto/embed";
import { decode, WireDecodeError } from "./chat-codec.ts";

export type { EmbedChunk, EmbedRequest };
/** The oneof payload of a chunk, as plain init objects: `{ case: "vectors", value: { vectors } }`. */
export type EmbedChunkKind = NonNullable<MessageInitShape<typeof EmbedChunkSchema>["kind"]>;

/** An EmbedRequest as plain fields, the shape the gateway builds: texts or token arrays. */
export interface EmbedRequestFields {
  requestId: string;
  model: string;
  texts: string[];
  tokenInputs: Array<{ tokens: number[] }>;
  /** 0: the model's own length. */
  dimensions: number;
  deadlineUnixMs: number;
  streamSubject: string;
}

export const encodeEmbedRequest = (fields: EmbedRequestFields): Uint8Array => toBinary(EmbedRequestSchema, create(EmbedRequestSchema, fields));
export const decodeEmbedRequest = (data: Uint8Array): EmbedRequest => decode("EmbedRequest", () => fromBinary(EmbedRequestSchema, data));

export const encodeEmbedChunk = (requestId: string, seq: number, kind: EmbedChunkKind): Uint8Array =>
  toBinary(EmbedChunkSchema, create(EmbedChunkSchema, { requestId, seq, kind }));
export const decodeEmbedChunk = (data: Uint8Array): EmbedChunk => decode("EmbedChunk", () => fromBinary(EmbedChunkSchema, data));

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A vector as the wire (and OpenAI's base64) carries it: little-endian float32 bytes. */
export function float32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** The floats of a wire vector. Bytes decoded off the bus may sit at any offset, so unaligned ones are copied. */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new WireDecodeError("Vector", new Error(`${bytes.byteLength} bytes is not a whole number of float32s`));
  if (!LITTLE_ENDIAN) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  }
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  // A copy of its own (not slice(): on a Node Buffer, which NATS delivers, slice() is a view).
  return new Float32Array(new Uint8Array(bytes).buffer);
}

/** Room a chunk takes besides its vectors (request id, seq, tags), generously. */
const CHUNK_OVERHEAD = 512;
/** Room one vector takes besides its floats (tags, lengths, index). */
const VECTOR_OVERHEAD = 16;

/** How many vectors of `dimensions` floats one chunk may carry and stay under `maxPayload` bytes (at least 1). */
export function vectorsPerChunk(maxPayload: number, dimensions: number): number {
  return Math.max(1, Math.floor((maxPayload - CHUNK_OVERHEAD) / (dimensions * 4 + VECTOR_OVERHEAD)));
}
