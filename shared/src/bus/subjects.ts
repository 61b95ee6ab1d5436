/** @module Subject names, built in one place from a configurable prefix (default "sy"). */

/**
 * Model ids become one subject token: NATS tokens cannot hold '.', '*', '>' or whitespace,
 * so those (and '%', the escape itself) are percent-encoded.
 */
export function subjectToken(value: string): string {
  return value.replace(/[.*>%\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export interface Subjects {
  chat(model: string): string;
  cancel(requestId: string): string;
  /** Queue group shared by every worker serving one model. */
  chatQueue(model: string): string;
  speak(voice: string): string;
  /** Queue group shared by every worker serving one voice. */
  speakQueue(voice: string): string;
  workersBucket: string;
}

export function subjects(prefix = "sy"): Subjects {
  return {
    chat: (model) => `${prefix}.llm.chat.${subjectToken(model)}`,
    cancel: (requestId) => `${prefix}.cancel.${subjectToken(requestId)}`,
    chatQueue: (model) => `${prefix}-llm-${subjectToken(model)}`,
    speak: (voice) => `${prefix}.tts.speak.${subjectToken(voice)}`,
    speakQueue: (voice) => `${prefix}-tts-${subjectToken(voice)}`,
    workersBucket: `${prefix}_workers`,
  };
}
