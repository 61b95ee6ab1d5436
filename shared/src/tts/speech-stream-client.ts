/** @module Gateway side of the speech protocol: a SpeechRequest over the Bus, audio as it is synthesized. */
import type { Bus } from "../bus/bus.ts";
import { callOptions, type StreamCallOptions, streamedRequest } from "../bus/streamed-request.ts";
import type { Subjects } from "../bus/subjects.ts";
import { decodeAudioChunk, encodeSpeechRequest, type SpeechRequestFields } from "../codec/speech-codec.ts";

export type SpeechEvent =
  | { type: "accepted"; workerId: string; sampleRate: number }
  /** Signed 16-bit little-endian mono PCM. */
  | { type: "audio"; pcm: Uint8Array }
  | { type: "done"; totalSamples: number };

export async function* streamSpeech(
  bus: Bus,
  subjects: Subjects,
  request: Omit<SpeechRequestFields, "streamSubject">,
  options: StreamCallOptions,
): AsyncGenerator<SpeechEvent, void, undefined> {
  const batches = streamedRequest(bus, {
    ...callOptions(subjects, request, options),
    subject: subjects.speak(request.voice),
    encode: (streamSubject) => encodeSpeechRequest({ ...request, streamSubject }),
    decode: decodeAudioChunk,
    what: `voice '${request.voice}'`,
  });
  for await (const batch of batches) {
    for (const { kind } of batch) {
      if (kind.case === "accepted") yield { type: "accepted", workerId: kind.value.workerId, sampleRate: kind.value.sampleRate };
      else if (kind.case === "audio") yield { type: "audio", pcm: kind.value.pcm };
      else if (kind.case === "done") yield { type: "done", totalSamples: kind.value.totalSamples };
    }
  }
}
