/**
 * @module OpenAI legacy text completions (/v1/completions) on the wire, as the API reference
 * shows them: a text_completion body, and a stream of text_completion chunks ending with the
 * usage chunk of include_usage and [DONE].
 */
import type { Scripted } from "./fake-upstream.ts";

const base = (model: string) => ({ id: "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7", object: "text_completion", created: 1589478378, model, system_fingerprint: "fp_44709d6fcb" });

export function openaiTextCompletion(model: string, text: string, finish = "length"): Scripted {
  return {
    kind: "json",
    body: { ...base(model), choices: [{ text, index: 0, logprobs: null, finish_reason: finish }], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
  };
}

export function openaiTextStream(model: string, pieces: string[], finish = "stop"): Scripted {
  return {
    kind: "sse",
    events: [
      ...pieces.map((text) => ({ data: { ...base(model), choices: [{ text, index: 0, logprobs: null, finish_reason: null }] } })),
      { data: { ...base(model), choices: [{ text: "", index: 0, logprobs: null, finish_reason: finish }] } },
      { data: { ...base(model), choices: [], usage: { prompt_tokens: 5, completion_tokens: pieces.length, total_tokens: 5 + pieces.length } } },
      { data: "[DONE]" },
    ],
  };
}
