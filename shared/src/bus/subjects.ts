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
  /** A worker's own chat subject: the gateway's dispatcher sends each request to the worker it chose. */
  workerChat(workerId: string): string;
  embed(model: string): string;
  /** Queue group shared by every worker that embeds with one model. */
  embedQueue(model: string): string;
  /** A worker's own embeddings subject. */
  workerEmbed(workerId: string): string;
  /** A worker's control subject (model load and unload). */
  workerControl(workerId: string): string;
  /** Where a worker publishes its status at every change. */
  status(workerId: string): string;
  /** Every worker's status changes (wildcard). */
  statusAll: string;
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
    workerChat: (workerId) => `${prefix}.llm.worker.${subjectToken(workerId)}.chat`,
    embed: (model) => `${prefix}.llm.embed.${subjectToken(model)}`,
    embedQueue: (model) => `${prefix}-llm-embed-${subjectToken(model)}`,
    workerEmbed: (workerId) => `${prefix}.llm.worker.${subjectToken(workerId)}.embed`,
    workerControl: (workerId) => `${prefix}.llm.worker.${subjectToken(workerId)}.control`,
    status: (workerId) => `${prefix}.status.${subjectToken(workerId)}`,
    statusAll: `${prefix}.status.*`,
    speak: (voice) => `${prefix}.tts.speak.${subjectToken(voice)}`,
    speakQueue: (voice) => `${prefix}-tts-${subjectToken(voice)}`,
    workersBucket: `${prefix}_workers`,
  };
}
