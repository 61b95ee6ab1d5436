/** @module Encodes and decodes the speech wire messages: the only place their protobuf bytes are made or read. */
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type AudioChunk, AudioChunkSchema, type SpeechRequest, SpeechRequestSchema } from "@switchyard/proto/speech";
import { decode } from "./chat-codec.ts";

export type { AudioChunk, SpeechRequest };
export type AudioChunkKind = NonNullable<MessageInitShape<typeof AudioChunkSchema>["kind"]>;

export interface SpeechRequestFields {
  requestId: string;
  voice: string;
  input: string;
  speed: number;
  deadlineUnixMs: number;
  streamSubject: string;
}

export const encodeSpeechRequest = (f: SpeechRequestFields): Uint8Array => toBinary(SpeechRequestSchema, create(SpeechRequestSchema, f));
export const decodeSpeechRequest = (data: Uint8Array): SpeechRequest => decode("SpeechRequest", () => fromBinary(SpeechRequestSchema, data));
export const encodeAudioChunk = (requestId: string, seq: number, kind: AudioChunkKind): Uint8Array =>
  toBinary(AudioChunkSchema, create(AudioChunkSchema, { requestId, seq, kind }));
export const decodeAudioChunk = (data: Uint8Array): AudioChunk => decode("AudioChunk", () => fromBinary(AudioChunkSchema, data));
