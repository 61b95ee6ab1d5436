/**
 * @module Gateway side of the embeddings protocol: one EmbedRequest over the Bus carrying every
 * input, the worker's vector chunks gathered by index until done. Anything missing, repeated or
 * of the wrong length is a protocol error rather than a silent hole in the answer.
 */
import type { Bus } from "../bus/bus.ts";
import { callOptions, type ModelCallOptions, streamedRequest } from "../bus/streamed-request.ts";
import type { Subjects } from "../bus/subjects.ts";
import { decodeEmbedChunk, type EmbedRequestFields, encodeEmbedRequest } from "../codec/embed-codec.ts";
import { GatewayError } from "../errors.ts";

export interface LocalEmbeddings {
  workerId: string;
  /** One per input, in input order: little-endian float32 bytes. */
  vectors: Uint8Array[];
  promptTokens: number;
}

export async function requestEmbeddings(bus: Bus, subjects: Subjects, request: Omit<EmbedRequestFields, "streamSubject">, options: ModelCallOptions): Promise<LocalEmbeddings> {
  const count = request.texts.length > 0 ? request.texts.length : request.tokenInputs.length;
  const batches = streamedRequest(bus, {
    ...callOptions(subjects, request, options),
    subject: options.subject ?? subjects.embed(request.model),
    encode: (streamSubject) => encodeEmbedRequest({ ...request, streamSubject }),
    decode: decodeEmbedChunk,
    what: `model '${request.model}'`,
  });
  const vectors: Array<Uint8Array | undefined> = new Array(count);
  let workerId = "";
  let bytes = 0;
  let received = 0;
  for await (const batch of batches) {
    for (const { kind } of batch) {
      if (kind.case === "accepted") {
        workerId = kind.value.workerId;
        bytes = kind.value.dimensions * 4;
      } else if (kind.case === "vectors") {
        for (const v of kind.value.vectors) {
          if (v.index >= count || vectors[v.index] !== undefined) throw protocolError(`vector ${v.index} is unexpected (inputs: ${count})`);
          if (v.values.byteLength !== bytes) throw protocolError(`vector ${v.index} has ${v.values.byteLength} bytes, expected ${bytes}`);
          vectors[v.index] = v.values;
          received += 1;
        }
      } else if (kind.case === "done") {
        if (received !== count) throw protocolError(`done after ${received} of ${count} vectors`);
        return { workerId, vectors: vectors as Uint8Array[], promptTokens: kind.value.promptTokens };
      }
    }
  }
  throw protocolError("the stream ended without done");
}

function protocolError(message: string): GatewayError {
  return new GatewayError(`protocol error from worker: ${message}`, { status: 502, type: "server_error", code: "bad_worker_response" });
}
