/**
 * @module Keeps a call's events as they pass, for the response cache to write once the call
 * completes; gives up (and lets go of them) once they pass what an entry may hold, so a very
 * long generation costs no memory here.
 */
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import { MAX_ENTRY_BYTES } from "./response-cache.ts";

/** A rough per-event allowance for the JSON around its text (the exact size is measured on write). */
const EVENT_OVERHEAD = 64;

export class AnswerRecorder {
  #events: ChatEvent[] = [];
  #size = 0;
  #over = false;

  add(e: ChatEvent): void {
    if (this.#over) return;
    this.#size += EVENT_OVERHEAD + (e.type === "token" ? e.text.length : e.type === "tool_call" ? e.arguments.length + (e.name?.length ?? 0) : 0);
    if (this.#size > MAX_ENTRY_BYTES) {
      this.#over = true;
      this.#events = [];
      return;
    }
    this.#events.push(e);
  }

  /** The events so far; undefined when there were too many to cache. */
  events(): ChatEvent[] | undefined {
    return this.#over ? undefined : this.#events;
  }
}
