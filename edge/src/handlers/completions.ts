/**
 * @module POST /v1/completions (legacy text completions): each prompt runs as its own routed
 * call (limits, accounting, fallbacks as for chat) and becomes the choice of its index; usage
 * is summed. Prompts run one after another (a list never holds more slots than one prompt);
 * the first starts before the response does, so its refusal keeps its HTTP status.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { type CompletionMeta, usage } from "../openai/chat-response.ts";
import { parseCompletionRequest } from "../openai/completion-request.ts";
import { addUsage, collectChoice, type TextChoice, textChunk, textPieces } from "../openai/completion-response.ts";
import { sseStream } from "../sse/sse-stream.ts";
import { readJson } from "./read-json.ts";
import { startRoutedChat } from "./start-routed-chat.ts";
import { loggedStreamError } from "./stream-error.ts";

export async function completions(c: Context<AppEnv>): Promise<Response> {
  const request = parseCompletionRequest(await readJson(c));
  const { prompts } = request;
  const meta: CompletionMeta = { id: `cmpl-${c.get("requestId")}`, created: Math.floor(Date.now() / 1000), model: prompts[0]!.model };
  const start = async (index: number) => {
    const prompt = prompts[index]!;
    const { first, events } = await startRoutedChat(c, prompt, undefined);
    return { events, pieces: textPieces(first, events, index, request.echo ? (prompt.rawPrompt ?? "") : "") };
  };
  const first = await start(0);
  if (!request.stream) {
    const choices: TextChoice[] = [];
    let total = usage(0, 0);
    for (let i = 0; i < prompts.length; i++) {
      const { choice, usage: u } = await collectChoice((i === 0 ? first : await start(i)).pieces);
      choices.push(choice);
      total = addUsage(total, u);
    }
    return c.json(textChunk(meta, choices, total));
  }
  async function* chunks() {
    let total = usage(0, 0);
    for (let i = 0; i < prompts.length; i++) {
      const { pieces, events } = i === 0 ? first : await start(i);
      try {
        for (let next = await pieces.next(); ; next = await pieces.next()) {
          if (next.done) {
            total = addUsage(total, next.value);
            break;
          }
          yield textChunk(meta, [next.value]);
        }
      } finally {
        // A client that goes away stops the generation upstream too.
        await events.return(undefined);
      }
    }
    if (request.includeUsage) yield textChunk(meta, [], total);
  }
  c.header("content-type", "text/event-stream; charset=utf-8");
  c.header("cache-control", "no-cache");
  return c.body(
    sseStream({
      events: chunks(),
      onError: loggedStreamError(c.get("log"), (e) => e.toJSON()),
    }),
  );
}
