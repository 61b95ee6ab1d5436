/**
 * An open stream must not keep its request alive: a provider's chat generator lives until the
 * last token, and V8 keeps a generator's parameters and registers in its frame all that time, so
 * a request passed straight to one kept the whole prompt (a long conversation's history) for each
 * open stream. Checked with a WeakRef and a full GC while a real upstream (a local HTTP server
 * speaking OpenAI's SSE) holds the stream open.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ChatEvent } from "@switchyard/shared/llm/chat-events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatRequest } from "../../chat/normalized.ts";
import { nodeFetch } from "../upstream/node-fetch.ts";
import { OpenAICompatibleProvider } from "./index.ts";

// A fresh context picks the flag up and hands its gc() over.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const chunk = (content: string, finish: string | null) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

describe("an OpenAI-compatible stream", () => {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk("first", null));
      held.push(res);
    });
  });
  let baseURL = "";

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  for (const wire of [true, false]) {
    it(`lets its request go once the upstream has answered (${wire ? "bytes passed through" : "translated"})`, async () => {
      const provider = new OpenAICompatibleProvider({ name: "openai", apiKey: "k", apiKeyEnv: "OPENAI_API_KEY", baseURL, timeoutMs: 10_000, maxRetries: 0, fetch: nodeFetch, models: () => [] });
      // Made in a function of its own, so no frame of this test holds the request either.
      const start = () => {
        const request = chatRequest({
          model: "m",
          messages: [{ role: "user", content: `a long history ${"x".repeat(100_000)}` }],
          stream: true,
          ...(wire ? { wire: "openai-chat" as const } : {}),
        });
        const events = provider.chat(request, { requestId: "r1", signal: new AbortController().signal, deadlineUnixMs: Date.now() + 10_000 });
        return { events, requestRef: new WeakRef(request), messagesRef: new WeakRef(request.messages) };
      };
      const { events, requestRef, messagesRef } = start();
      const seen: ChatEvent[] = [];
      // Accepted, then the first chunk: the call is sent and its reply is being read.
      for (let i = 0; i < 2; i++) {
        const next = await events.next();
        if (!next.done) seen.push(next.value);
      }
      expect(seen[0]).toMatchObject({ type: "accepted" });
      expect(held.length).toBeGreaterThan(0);
      // Let the sending function's promise jobs finish before looking.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      expect(requestRef.deref()).toBeUndefined();
      expect(messagesRef.deref()).toBeUndefined();

      // The stream itself still works to its end.
      const res = held.at(-1)!;
      res.end(`${chunk("last", "stop")}data: [DONE]\n\n`);
      for await (const e of events) seen.push(e);
      expect(seen.at(-1)).toEqual({ type: "done", finishReason: "stop" });
    });
  }
});
