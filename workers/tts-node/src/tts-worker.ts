/**
 * @module The tts-node service: takes SpeechRequests from each voice's queue group, replies
 * accepted (or a typed error for input it will not pass to the native engine), and streams
 * each synthesized sentence as PCM chunks; a cancel stops synthesis after the current sentence.
 */
import type { Bus, BusMsg } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { type AudioChunkKind, decodeSpeechRequest, encodeAudioChunk, type SpeechRequest } from "@switchyard/shared/codec/speech-codec";
import { StatusAnnouncer } from "@switchyard/shared/registry/status-announcer";
import { InputRejected } from "./input-guard.ts";
import { toPcm16 } from "./pcm.ts";
import { ttsStatus } from "./status.ts";
import type { LoadedVoice } from "./voice-pool.ts";

export interface TtsWorkerOptions {
  workerId: string;
  heartbeatMs: number;
  statusIntervalMs: number;
  statusTtlMs: number;
  log: (message: string) => void;
}

/** Audio per bus message stays far under NATS' 1 MB default. */
const MAX_PCM_BYTES = 256 * 1024;
export const MAX_INPUT_CHARS = 4096;
/** ~0.25 s of audio at 16 kHz: small enough to convert and send in well under a millisecond. */
const FIRST_CHUNK_SAMPLES = 4096;

export class TtsWorker {
  #subs: Array<{ unsubscribe(): void }> = [];
  #active = new Map<string, AbortController>();
  #announcer: StatusAnnouncer;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly voices: Map<string, LoadedVoice>,
    private readonly options: TtsWorkerOptions,
  ) {
    this.#announcer = new StatusAnnouncer(bus, subjects, ttsStatus(voices, Date.now()), options);
  }

  /** Syntheses stopped by a cancel (client gone), for operators and tests. */
  cancelled = 0;

  get activeRequests(): number {
    return this.#active.size;
  }

  async start(): Promise<void> {
    await this.bus.ready();
    for (const voice of this.voices.values()) {
      this.#subs.push(this.bus.subscribe(this.subjects.speak(voice.id), (msg) => void this.#onRequest(voice, msg), { queue: this.subjects.speakQueue(voice.id) }));
    }
    await this.#announcer.start();
  }

  async #onRequest(voice: LoadedVoice, msg: BusMsg): Promise<void> {
    if (!msg.reply) return;
    let request: SpeechRequest;
    let text: string;
    try {
      request = decodeSpeechRequest(msg.data);
      if (request.input.length > MAX_INPUT_CHARS) throw new InputRejected(`input is longer than ${MAX_INPUT_CHARS} characters`);
      text = voice.guard.clean(request.input);
    } catch (err) {
      const status = err instanceof InputRejected ? 400 : 500;
      this.#publish(msg.reply, "", 0, { case: "error", value: { code: status === 400 ? "invalid_input" : "bad_request", message: (err as Error).message, status } });
      return;
    }
    const rid = request.requestId;
    const abort = new AbortController();
    this.#active.set(rid, abort);
    const cancelSub = this.bus.subscribe(this.subjects.cancel(rid), () => abort.abort(new Error("cancelled")));
    let seq = 0;
    let lastSent = Date.now();
    const send = (kind: AudioChunkKind) => {
      seq += 1;
      lastSent = Date.now();
      this.#publish(request.streamSubject, rid, seq, kind);
    };
    this.#publish(msg.reply, rid, 0, { case: "accepted", value: { workerId: this.options.workerId, sampleRate: voice.sampleRate } });
    const heartbeat = setInterval(() => {
      if (Date.now() - lastSent >= this.options.heartbeatMs) send({ case: "heartbeat", value: {} });
      if (request.deadlineUnixMs > 0 && Date.now() > request.deadlineUnixMs) abort.abort(new Error("deadline"));
    }, this.options.heartbeatMs);
    let total = 0;
    // The very first samples leave at once, small; the rest follows a turn later, in order, so
    // converting and sending a whole first sentence does not delay the first byte (bench:tts).
    let queued: Promise<void> = Promise.resolve();
    let closed = false;
    const sendPcm = (samples: Float32Array) => {
      // Audio still queued when the request ended (error, cancel) must not follow the final chunk.
      if (closed) return;
      const pcm = toPcm16(samples);
      for (let at = 0; at < pcm.byteLength; at += MAX_PCM_BYTES) send({ case: "audio", value: { pcm: pcm.subarray(at, at + MAX_PCM_BYTES) } });
    };
    const sendAudio = (samples: Float32Array) => {
      let rest = samples;
      if (total === 0) {
        sendPcm(samples.subarray(0, FIRST_CHUNK_SAMPLES));
        rest = samples.subarray(FIRST_CHUNK_SAMPLES);
      }
      total += samples.length;
      if (rest.length > 0) queued = queued.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => sendPcm(rest));
    };
    let tts: LoadedVoice["tts"] | undefined;
    try {
      tts = await voice.lock.acquire(abort.signal);
      await tts.generateAsync({
        text,
        sid: 0,
        speed: request.speed > 0 ? request.speed : 1,
        // Each sentence leaves as soon as it is synthesized; returning 0 stops the engine.
        onProgress: ({ samples }) => {
          if (abort.signal.aborted) return 0;
          sendAudio(samples);
          return 1;
        },
      });
      await queued;
      if (abort.signal.aborted) throw abort.signal.reason;
      send({ case: "done", value: { totalSamples: total } });
    } catch (err) {
      closed = true;
      const reason = abort.signal.aborted ? ((abort.signal.reason as Error)?.message ?? "cancelled") : undefined;
      if (reason === "deadline") send({ case: "error", value: { code: "deadline_exceeded", message: "the request passed its deadline", status: 504 } });
      else if (reason) {
        this.cancelled += 1;
        send({ case: "error", value: { code: "cancelled", message: "the request was cancelled", status: 499 } });
      }
      else {
        this.options.log(`[${rid}] synthesis failed: ${(err as Error).message}`);
        send({ case: "error", value: { code: "synthesis_failed", message: "speech synthesis failed on the worker", status: 500 } });
      }
    } finally {
      closed = true;
      clearInterval(heartbeat);
      cancelSub.unsubscribe();
      if (tts) voice.lock.release(tts);
      this.#active.delete(rid);
    }
  }

  #publish(subject: string, rid: string, seq: number, kind: AudioChunkKind): void {
    try {
      this.bus.publish(subject, encodeAudioChunk(rid, seq, kind));
    } catch (err) {
      this.options.log(`[${rid}] publish failed: ${(err as Error).message}`);
      this.#active.get(rid)?.abort(err);
    }
  }

  async stop(): Promise<void> {
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs = [];
    for (const abort of this.#active.values()) abort.abort(new Error("worker shutting down"));
    await this.#announcer.stop();
  }
}
