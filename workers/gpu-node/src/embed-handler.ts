/**
 * @module Serves EmbedRequests, with the lifecycle of a chat request: a request for a model
 * that embeds takes one of its slots or is refused at once (worker_busy), is accepted, waits
 * for the model to load (heartbeats meanwhile), has all its inputs checked, then its vectors
 * computed and streamed. Stops between inputs on cancel, deadline or shutdown.
 */
import type { Bus, BusMsg } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { decodeEmbedRequest, type EmbedChunkKind, type EmbedRequest, encodeEmbedChunk } from "@switchyard/shared/codec/embed-codec";
import { embedAll, prepareInputs } from "./embed.ts";
import { EmbedSender } from "./embed-sender.ts";
import { type CatalogModel, type LoadedModel, type ModelCatalog, ModelError } from "./model-catalog.ts";
import type { WorkerMetrics } from "./worker-metrics.ts";

export interface EmbedHandlerDeps {
  bus: Bus;
  subjects: Subjects;
  catalog: ModelCatalog;
  metrics: WorkerMetrics;
  workerId: string;
  heartbeatMs: number;
  log: (message: string) => void;
  draining(): boolean;
  /** Registers a running request with the worker (drain and stop see it); the returned function ends it. */
  track(requestId: string, abort: AbortController): () => void;
}

export async function serveEmbed(d: EmbedHandlerDeps, msg: BusMsg): Promise<void> {
  if (!msg.reply) return;
  let request: EmbedRequest;
  try {
    request = decodeEmbedRequest(msg.data);
  } catch (err) {
    reply(d, msg.reply, "", errorKind(new ModelError(400, "bad_request", (err as Error).message)));
    return;
  }
  const rid = request.requestId;
  let model: CatalogModel;
  try {
    if (d.draining()) throw new ModelError(503, "worker_draining", "This worker is shutting down and takes no new requests.");
    const known = d.catalog.get(request.model);
    if (known && known.embeddingDimensions === 0)
      throw new ModelError(400, "unsupported_model", `The model '${request.model}' does not serve embeddings (its file declares no pooling type).`, "model");
    model = d.catalog.reserve(request.model);
  } catch (err) {
    const e = err instanceof ModelError ? err : new ModelError(500, "internal_error", (err as Error).message);
    d.metrics.rejected.inc({ model: request.model, code: e.code });
    reply(d, msg.reply, rid, errorKind(e));
    return;
  }
  const abort = new AbortController();
  const untrack = d.track(rid, abort);
  // Subscribed before the accepted reply leaves, so a cancel sent right after it is never missed.
  const cancelSub = d.bus.subscribe(d.subjects.cancel(rid), () => abort.abort(new Error("cancelled")));
  const dimensions = request.dimensions > 0 ? Math.min(request.dimensions, model.embeddingDimensions) : model.embeddingDimensions;
  const sender = new EmbedSender(d.bus, request.streamSubject, rid, dimensions, (err) => {
    d.log(`[${rid}] publish failed: ${(err as Error).message}; stopping`);
    abort.abort(err);
  });
  reply(d, msg.reply, rid, { case: "accepted", value: { workerId: d.workerId, dimensions } });
  const heartbeat = setInterval(() => {
    if (sender.idleMs() >= d.heartbeatMs) sender.keepAlive();
    if (request.deadlineUnixMs > 0 && Date.now() > request.deadlineUnixMs) abort.abort(new Error("deadline"));
  }, d.heartbeatMs);
  let outcome = "error";
  try {
    const loaded = await d.catalog.ensureLoaded(model);
    outcome = await run(d, model, loaded, request, sender, abort.signal);
  } catch (err) {
    if (abort.signal.aborted) outcome = sendAbortReason(d, abort.signal, sender, rid);
    else if (err instanceof ModelError) {
      d.metrics.rejected.inc({ model: model.id, code: err.code });
      sender.send(errorKind(err));
    } else {
      d.log(`[${rid}] embedding failed: ${(err as Error).stack ?? String(err)}`);
      sender.send(errorKind(new ModelError(500, "internal_error", "embedding failed on the worker")));
    }
  } finally {
    clearInterval(heartbeat);
    cancelSub.unsubscribe();
    untrack();
    d.metrics.requests.inc({ model: model.id, outcome });
    d.catalog.release(model, undefined);
  }
}

async function run(d: EmbedHandlerDeps, model: CatalogModel, loaded: LoadedModel, request: EmbedRequest, sender: EmbedSender, signal: AbortSignal): Promise<string> {
  if (signal.aborted) return sendAbortReason(d, signal, sender, request.requestId);
  const embedding = loaded.embedding;
  if (!embedding) throw new ModelError(400, "unsupported_model", `The model '${model.id}' does not serve embeddings.`, "model");
  if (request.dimensions > model.embeddingDimensions)
    throw new ModelError(400, "unsupported_dimensions", `dimensions must be at most ${model.embeddingDimensions} for '${model.id}'.`, "dimensions");
  const inputs = prepareInputs(embedding, request, { contextWindow: loaded.contextWindow, vocabSize: model.vocabSize });
  await embedAll(embedding, inputs.tokens, request.dimensions, signal, (index, vector) => sender.vector(index, vector));
  if (signal.aborted) return sendAbortReason(d, signal, sender, request.requestId);
  d.metrics.embeddings.inc({ model: model.id }, inputs.tokens.length);
  d.metrics.embeddingTokens.inc({ model: model.id }, inputs.promptTokens);
  sender.send({ case: "done", value: { promptTokens: inputs.promptTokens } });
  return "complete";
}

function sendAbortReason(d: EmbedHandlerDeps, signal: AbortSignal, sender: EmbedSender, rid: string): string {
  const reason = (signal.reason as Error | undefined)?.message ?? "cancelled";
  if (reason === "deadline") sender.send(errorKind(new ModelError(504, "deadline_exceeded", "the request passed its deadline")));
  else if (reason === "worker shutting down") sender.send(errorKind(new ModelError(503, "worker_shutdown", "the worker shut down before the embeddings were complete")));
  else sender.send(errorKind(new ModelError(499, "cancelled", "the request was cancelled")));
  d.log(`[${rid}] stopped: ${reason}`);
  return reason === "deadline" ? "deadline" : "cancelled";
}

function reply(d: EmbedHandlerDeps, subject: string, rid: string, kind: EmbedChunkKind): void {
  try {
    d.bus.publish(subject, encodeEmbedChunk(rid, 0, kind));
  } catch (err) {
    d.log(`[${rid}] reply failed: ${(err as Error).message}`);
  }
}

const errorKind = (e: ModelError): EmbedChunkKind => ({ case: "error", value: { code: e.code, message: e.message, status: e.status, param: e.param } });
