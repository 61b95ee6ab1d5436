/**
 * @module The fixed exchange of `bench:proxy`: the chat request the load generator sends, and the
 * canned OpenAI replies the fake upstream answers with (a chat.completion, and a stream of
 * chat.completion.chunk events), rendered once to bytes. The reply text is the same either way,
 * so a sample through the gateway can be checked against it.
 */

export const MODEL = "gpt-4o-mini";

/** The streamed reply's content pieces; joined, they are the non-streamed reply's content too. */
export function replyPieces(count: number): string[] {
  const words = ["The", " switch", " yard", " sorts", " trains", " by", " destination", ",", " one", " car", " at", " a", " time", "."];
  return Array.from({ length: count }, (_, i) => words[i % words.length]!);
}

export const replyText = (pieces: readonly string[]): string => pieces.join("");

const PROMPT_TOKENS = 21;

/**
 * The "auth on" gateway's API key: limits far above what a run reaches, so none triggers, but
 * every check runs (rpm and tpm are int4 columns, the token budgets int8).
 */
export const BENCH_KEY_LIMITS = {
  models: ["gpt-*"] as readonly string[],
  rpm: 10_000_000,
  tpm: 2_000_000_000,
  dailyTokens: 1_000_000_000_000_000,
  monthlyTokens: 1_000_000_000_000_000,
};

const base = { id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", created: 1741570283, model: MODEL, system_fingerprint: "fp_44709d6fcb" };

const usage = (completionTokens: number) => ({ prompt_tokens: PROMPT_TOKENS, completion_tokens: completionTokens, total_tokens: PROMPT_TOKENS + completionTokens });

/** A chat.completion as OpenAI sends it. */
export function renderCompletion(pieces: readonly string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      ...base,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: replyText(pieces), refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
      usage: usage(pieces.length),
      service_tier: "default",
    }),
  );
}

/**
 * The whole SSE body as OpenAI streams it: a role chunk, one chunk per piece, a finish chunk,
 * with include_usage a usage chunk (and `usage: null` on every other chunk), then [DONE].
 */
export function renderStream(pieces: readonly string[], includeUsage: boolean): Buffer {
  const extra = includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  });
  const events: unknown[] = [
    chunk({ role: "assistant", content: "", refusal: null }, null),
    ...pieces.map((p) => chunk({ content: p }, null)),
    chunk({}, "stop"),
  ];
  if (includeUsage) events.push({ ...base, object: "chat.completion.chunk", choices: [], usage: usage(pieces.length) });
  return Buffer.from(`${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("")}data: [DONE]\n\n`);
}

/** The request body the load generator sends, to the upstream directly and to the gateway alike. */
export function requestBody(stream: boolean): string {
  return JSON.stringify({
    model: MODEL,
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "How does a switch yard work? Answer in one paragraph." },
    ],
    max_tokens: 256,
    temperature: 0.7,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/**
 * Cheap checks of every response body under load (a substring search, no parsing), the same for
 * the direct and the gateway runs: the full text for JSON; a finish and [DONE] at the end for SSE
 * (the gateway ends a failed stream with an error event and no [DONE]).
 */
export function bodyCheck(stream: boolean, pieces: readonly string[]): (body: string) => boolean {
  if (stream) return (body) => body.endsWith("data: [DONE]\n\n") && body.includes('"finish_reason":"stop"');
  const text = JSON.stringify(replyText(pieces));
  return (body) => body.includes(text);
}
