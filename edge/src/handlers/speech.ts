/**
 * @module POST /v1/audio/speech: audio leaves as soon as the first sentence is synthesized —
 * a WAV header then PCM as a chunked body, raw PCM, or speech.audio.delta/done SSE events.
 * GET /v1/audio/voices lists the live voices (our extension).
 */
import { GatewayError } from "@switchyard/shared/errors";
import type { SpeechEvent } from "@switchyard/shared/tts/speech-stream-client";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { parseSpeechRequest } from "../openai/speech-request.ts";
import { sseStream } from "../sse/sse-stream.ts";
import { wavHeader } from "../speech/wav.ts";
import { readJson } from "./read-json.ts";

export async function speech(c: Context<AppEnv>): Promise<Response> {
  const params = parseSpeechRequest(await readJson(c));
  const { speech: tts, limiter, config } = c.get("deps");
  const admission = await limiter.admit(c.get("caller").key, params.model);
  for (const [name, value] of Object.entries(admission.headers)) c.header(name, value);
  const voice = tts.resolveVoice(params.voice);
  const startedAt = c.get("startedAt");
  let firstAudioAt: number | undefined;
  // One usage row per speech request too: prompt_tokens counts input characters (what TTS is billed by).
  const record = (status: number) =>
    c.get("deps").usage.add({
      keyId: c.get("caller").key?.id ?? null,
      model: params.model,
      target: `local:${voice}`,
      promptTokens: params.input.length,
      completionTokens: 0,
      latencyMs: Math.round(performance.now() - startedAt),
      ttftMs: firstAudioAt === undefined ? null : Math.round(firstAudioAt - startedAt),
      status,
      requestId: c.get("requestId"),
    });
  const events = accounted(tts.speak({
    requestId: c.get("requestId"),
    voice,
    input: params.input,
    speed: params.speed,
    deadlineUnixMs: Date.now() + config.requestTimeoutMs,
    signal: c.req.raw.signal,
  }), {
    onAudio: () => {
      firstAudioAt ??= performance.now();
    },
    onEnd: record,
  });
  // Accepted (or refused) before any byte goes out, so errors keep their status.
  const first = await events.next().catch((err: unknown) => {
    const e = GatewayError.from(err);
    throw e.code === "invalid_input" ? new GatewayError(`input: ${e.message}`, { status: 400, type: "invalid_request_error", code: e.code, param: "input" }) : e;
  });
  if (first.done || first.value.type !== "accepted") throw new GatewayError("The speech worker ended without accepting.", { status: 502, type: "server_error", code: "bad_worker_response" });
  const { sampleRate, workerId } = first.value;
  c.header("x-switchyard-worker", workerId);
  c.header("x-sample-rate", String(sampleRate));
  c.get("log").info(`speech voice=${voice} format=${params.format} sse=${params.sse} worker=${workerId}`);
  if (params.sse) {
    c.header("content-type", "text/event-stream; charset=utf-8");
    c.header("cache-control", "no-cache");
    return c.body(
      sseStream({
        events: sseEvents(events, params.input.length),
        namedEvents: true,
        onError: (err) => ({ type: "error", error: GatewayError.from(err).toJSON().error }),
      }),
    );
  }
  c.header("content-type", params.format === "wav" ? "audio/wav" : "audio/pcm");
  return c.body(audioBody(events, params.format === "wav" ? wavHeader(sampleRate) : undefined));
}

/** Audio bytes as they come; a failure mid-stream cuts the body (the client sees a broken transfer). */
function audioBody(events: AsyncGenerator<SpeechEvent, void, undefined>, header: Uint8Array | undefined): ReadableStream<Uint8Array> {
  let headerSent = header === undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent && header) {
          headerSent = true;
          controller.enqueue(header);
          return;
        }
        for (;;) {
          const next = await events.next().catch((err: unknown) => {
            controller.error(err);
            return undefined;
          });
          if (!next) return;
          if (next.done) {
            controller.close();
            return;
          }
          if (next.value.type === "audio") {
            controller.enqueue(next.value.pcm);
            return;
          }
        }
      },
      async cancel() {
        await events.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

async function* sseEvents(events: AsyncGenerator<SpeechEvent, void, undefined>, inputChars: number) {
  try {
    for await (const e of events) {
      if (e.type === "audio") yield { type: "speech.audio.delta", audio: Buffer.from(e.pcm).toString("base64") };
      else if (e.type === "done") yield { type: "speech.audio.done", usage: { input_tokens: inputChars, output_tokens: e.totalSamples, total_tokens: inputChars + e.totalSamples } };
    }
  } finally {
    await events.return(undefined);
  }
}

/** Passes the events through, noting the first audio and how the request ended. */
async function* accounted(
  events: AsyncGenerator<SpeechEvent, void, undefined>,
  hooks: { onAudio: () => void; onEnd: (status: number) => void },
): AsyncGenerator<SpeechEvent, void, undefined> {
  let status = 499;
  try {
    for await (const e of events) {
      if (e.type === "audio") hooks.onAudio();
      yield e;
    }
    status = 200;
  } catch (err) {
    status = GatewayError.from(err).status;
    throw err;
  } finally {
    hooks.onEnd(status);
  }
}

export const VoiceListSchema = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ id: z.string(), object: z.literal("voice"), owned_by: z.string(), workers: z.number().int().meta({ description: "tts-nodes serving it." }) })),
});

export function listVoices(c: Context<AppEnv>) {
  const voices = c.get("deps").speech.voices();
  return c.json({
    object: "list" as const,
    data: voices.map((v) => ({ id: v.id, object: "voice" as const, owned_by: v.ownedBy, workers: v.workers })),
  } satisfies z.infer<typeof VoiceListSchema>);
}
