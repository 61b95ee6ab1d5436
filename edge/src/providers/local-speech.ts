/**
 * @module Speech from the tts-node pool: live voices from the registry, OpenAI voice names
 * (alloy, echo, …) mapped to them (VOICE_MAP, else the first voice), synthesis over the Bus.
 */
import type { Bus } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import { invalidRequest, serviceUnavailable } from "@switchyard/shared/errors";
import type { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { type SpeechEvent, streamSpeech } from "@switchyard/shared/tts/speech-stream-client";

export const OPENAI_VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse", "marin", "cedar"];

export interface SpeechCall {
  requestId: string;
  voice: string;
  input: string;
  speed: number;
  deadlineUnixMs: number;
  signal: AbortSignal;
}

export class LocalSpeech {
  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly registry: WorkerRegistry,
    /** OpenAI voice name → our voice id, from VOICE_MAP ("alloy=demo,echo=other"). */
    private readonly voiceMap: Record<string, string>,
    private readonly timeouts: { acceptTimeoutMs: number; idleTimeoutMs: number },
  ) {}

  voices() {
    return this.registry.models("tts");
  }

  /**
   * Our voice id for what the client asked; a 400 naming the voices when there is none, and a
   * 503 when an OpenAI voice name is asked while no tts-node serves any voice (no pool, not bad
   * input: it was answered "Unknown voice 'alloy'. Available: alloy, …").
   */
  resolveVoice(asked: string): string {
    const live = this.voices().map((v) => v.id);
    if (live.includes(asked) || this.registry.hasSeen(asked)) return asked;
    const mapped = this.voiceMap[asked];
    if (mapped) return mapped;
    if (OPENAI_VOICES.includes(asked)) {
      if (live[0]) return live[0];
      throw serviceUnavailable(`No speech worker is available for voice '${asked}'.`, "no_worker_available");
    }
    throw invalidRequest(`Unknown voice '${asked}'. Available: ${[...live, ...OPENAI_VOICES].join(", ") || "none"}.`, "voice", "invalid_voice");
  }

  speak(call: SpeechCall): AsyncGenerator<SpeechEvent, void, undefined> {
    return streamSpeech(
      this.bus,
      this.subjects,
      { requestId: call.requestId, voice: call.voice, input: call.input, speed: call.speed, deadlineUnixMs: call.deadlineUnixMs },
      { ...this.timeouts, signal: call.signal },
    );
  }
}

export function parseVoiceMap(value: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const [from, to] = pair.split("=").map((s) => s.trim());
    if (from && to) map[from] = to;
  }
  return map;
}
