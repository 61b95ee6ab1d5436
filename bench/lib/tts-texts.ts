/**
 * @module The texts every variant speaks: one sentence, and several. Written from words the
 * demo voice's lexicon knows, so the guard passes them through unchanged (bar case) rather than
 * spelling unknown words out letter by letter.
 */
import type { TextName } from "./tts-options.ts";

export const TEXTS: Record<TextName, string> = {
  short: "Hello world, this is the switchyard speech gateway, thank you.",
  long: [
    "Hello there, and good morning to all of you.",
    "This is a test of the switchyard speech gateway.",
    "We want to know how much time it will take for the first sound to get back to you.",
    "Then we look at all of the sound after that, one by one.",
    "Thank you for your time today.",
    "It is a good day to test it.",
    "Please say yes or no when you can.",
    "We will see what the demo model can do with all of these.",
    "So the first one should be out right now, and the gateway should not take much more time than that.",
    "If it does, we will look into why.",
    "Goodbye for now, and thanks again.",
    "Have a good evening, and a good night.",
  ].join(" "),
};
