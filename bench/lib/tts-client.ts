/** @module One /v1/audio/speech request for raw PCM against a gateway, measured from the client's side. */
import { performance } from "node:perf_hooks";
import type { TtsRunResult } from "./tts-result.ts";
import type { StageTrace } from "./tts-trace.ts";

/** With `trace`, the run is traced: it begins at the start mark and the client's stages are marked. */
export async function runSpeech(baseUrl: string, input: string, trace?: StageTrace): Promise<TtsRunResult> {
  const body = JSON.stringify({ model: "tts-1", voice: "alloy", input, response_format: "pcm" });
  // Taken before fetch so the first byte includes everything a client pays: connect, headers, dispatch.
  const start = performance.now();
  trace?.begin(start);
  const res = await fetch(`${baseUrl}/v1/audio/speech`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  trace?.mark("client: response headers");
  if (!res.ok || !res.body) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
  const sampleRate = Number(res.headers.get("x-sample-rate"));
  if (!(sampleRate > 0)) throw new Error(`gateway sent no usable x-sample-rate header (${res.headers.get("x-sample-rate")})`);
  let first = Number.NaN;
  let bytes = 0;
  let pieces = 0;
  const reader = res.body.getReader();
  for (;;) {
    const read = await reader.read();
    if (read.done) break;
    if (read.value.byteLength === 0) continue;
    if (pieces === 0) {
      first = performance.now();
      trace?.mark("client: first audio chunk", first);
    }
    pieces += 1;
    bytes += read.value.byteLength;
  }
  const end = performance.now();
  return { ttfbMs: first - start, totalMs: end - start, samples: bytes / 2, sampleRate, pieces, bytes };
}

/** The HTTP floor: fetch GET /health (a constant JSON answer) to its last byte, on the same server and client. */
export async function runHealth(baseUrl: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${baseUrl}/health`);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`GET /health answered ${res.status}`);
  return performance.now() - start;
}
