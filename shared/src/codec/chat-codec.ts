/** @module Encodes and decodes the chat wire messages: the only place protobuf bytes are made or read. */
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type Cancel,
  CancelSchema,
  type ChatChunk,
  ChatChunkSchema,
  type ChatRequest,
  ChatRequestSchema,
} from "@switchyard/proto/chat";
import {
  type ModelControl,
  type ModelControlReply,
  ModelControlReplySchema,
  ModelControlSchema,
  type ModelInfo,
  type WorkerStatus,
  WorkerStatusSchema,
} from "@switchyard/proto/worker";

export type { Cancel, ChatChunk, ChatRequest, ModelControl, ModelControlReply, ModelInfo, WorkerStatus };
/** The oneof payload of a chunk, as plain init objects: `{ case: "token", value: { text, count } }`. */
export type ChatChunkKind = NonNullable<MessageInitShape<typeof ChatChunkSchema>["kind"]>;

/** Thrown when bytes off the bus are not the message they claim to be. */
export class WireDecodeError extends Error {
  constructor(what: string, cause: unknown) {
    super(`could not decode ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "WireDecodeError";
  }
}

/** Runs a protobuf decode; bytes that are not the message they claim to be become a WireDecodeError. */
export function decode<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new WireDecodeError(what, err);
  }
}

export interface WireToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A ChatRequest as plain fields, the shape the gateway builds. */
export interface ChatRequestFields {
  requestId: string;
  model: string;
  messages: Array<{ role: string; content: string; name?: string; toolCalls?: WireToolCall[]; toolCallId?: string }>;
  sampling: {
    temperature?: number;
    topP?: number;
    maxTokens?: number;
    stop?: string[];
    seed?: number;
    responseFormat?: string;
    /** JSON text of the schema, with responseFormat "json_schema". */
    jsonSchema?: string;
  };
  tools?: Array<{ name: string; description?: string; parametersJson?: string }>;
  /** "" or "auto", "none", "required", "function" (with toolChoiceName). */
  toolChoice?: string;
  toolChoiceName?: string;
  parallelToolCalls?: boolean;
  /** A legacy text completion: the prompt as is, no chat template (messages empty). */
  rawPrompt?: string;
  deadlineUnixMs: number;
  correlationId?: string;
  affinityKey?: string;
  /** Unset: the worker's default; 0: unload once idle; -1: keep loaded. */
  keepAliveMs?: number;
  streamSubject: string;
}

export const encodeChatRequest = (fields: ChatRequestFields): Uint8Array => toBinary(ChatRequestSchema, create(ChatRequestSchema, fields));
export const decodeChatRequest = (data: Uint8Array): ChatRequest => decode("ChatRequest", () => fromBinary(ChatRequestSchema, data));

export const encodeChatChunk = (requestId: string, seq: number, kind: ChatChunkKind): Uint8Array =>
  toBinary(ChatChunkSchema, create(ChatChunkSchema, { requestId, seq, kind }));
export const decodeChatChunk = (data: Uint8Array): ChatChunk => decode("ChatChunk", () => fromBinary(ChatChunkSchema, data));

export const encodeCancel = (requestId: string, reason: string): Uint8Array => toBinary(CancelSchema, create(CancelSchema, { requestId, reason }));
export const decodeCancel = (data: Uint8Array): Cancel => decode("Cancel", () => fromBinary(CancelSchema, data));

export type WorkerStatusInit = MessageInitShape<typeof WorkerStatusSchema>;
export const encodeWorkerStatus = (init: WorkerStatusInit): Uint8Array => toBinary(WorkerStatusSchema, create(WorkerStatusSchema, init));
export const decodeWorkerStatus = (data: Uint8Array): WorkerStatus => decode("WorkerStatus", () => fromBinary(WorkerStatusSchema, data));

export type ModelControlReplyInit = MessageInitShape<typeof ModelControlReplySchema>;
export const encodeModelControl = (model: string, action: "load" | "unload"): Uint8Array =>
  toBinary(ModelControlSchema, create(ModelControlSchema, { model, action }));
export const decodeModelControl = (data: Uint8Array): ModelControl => decode("ModelControl", () => fromBinary(ModelControlSchema, data));
export const encodeModelControlReply = (init: ModelControlReplyInit): Uint8Array => toBinary(ModelControlReplySchema, create(ModelControlReplySchema, init));
export const decodeModelControlReply = (data: Uint8Array): ModelControlReply => decode("ModelControlReply", () => fromBinary(ModelControlReplySchema, data));
