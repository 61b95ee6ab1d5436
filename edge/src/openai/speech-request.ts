/** @module OpenAI's /v1/audio/speech request, validated with zod. */
import { invalidRequest } from "@switchyard/shared/errors";
import { z } from "zod";

export const SUPPORTED_FORMATS = ["wav", "pcm"] as const;
const ALL_FORMATS = ["mp3", "opus", "aac", "flac", "wav", "pcm"] as const;

export const SpeechRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.string().min(1).max(4096),
    voice: z.union([z.string().min(1), z.object({ id: z.string().min(1) })]),
    // OpenAI's default is mp3; with no encoder here, an unset format means wav rather than an error.
    response_format: z.enum(ALL_FORMATS).optional().meta({ description: `Only ${SUPPORTED_FORMATS.join(" and ")} are served; unset means wav.` }),
    speed: z.number().min(0.25).max(4).default(1),
    stream_format: z.enum(["audio", "sse"]).default("audio"),
    instructions: z.string().max(4096).optional(),
  })
  .loose();

export interface SpeechParams {
  model: string;
  input: string;
  voice: string;
  format: (typeof SUPPORTED_FORMATS)[number];
  speed: number;
  sse: boolean;
}

export function parseSpeechRequest(body: unknown): SpeechParams {
  const parsed = SpeechRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue ? issue.path.map(String).join(".") : null;
    throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid request"}`, param, "invalid_value");
  }
  const r = parsed.data;
  if (r.input.trim().length === 0) throw invalidRequest("input must contain text to speak.", "input", "invalid_value");
  const asked = r.response_format ?? "wav";
  if (asked !== "wav" && asked !== "pcm")
    throw invalidRequest(`response_format '${asked}' is not supported; use one of: ${SUPPORTED_FORMATS.join(", ")}.`, "response_format", "unsupported_format");
  return { model: r.model, input: r.input, voice: typeof r.voice === "string" ? r.voice : r.voice.id, format: asked, speed: r.speed, sse: r.stream_format === "sse" };
}
