import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChatRequest } from "../../openai/chat-request.ts";
import { AnthropicProvider } from "../anthropic/index.ts";
import { OpenAICompatibleProvider } from "../openai-compatible/index.ts";
import type { Provider } from "../provider.ts";
import { nodeFetch } from "./node-fetch.ts";

// An upstream that answers a stream's head and one event, then holds the connection open.
let server: Server;
let base: string;
const requests: IncomingMessage[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    req.resume();
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(": open\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const closedWithin = (req: IncomingMessage, ms: number) =>
  new Promise<void>((resolve, reject) => {
    if (req.socket.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error(`upstream connection still held after ${ms} ms`)), ms);
    req.socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });

const providers: Array<[string, () => Provider]> = [
  ["openai", () => new OpenAICompatibleProvider({ name: "openai", apiKey: "k", apiKeyEnv: "OPENAI_API_KEY", baseURL: `${base}/v1`, timeoutMs: 10_000, maxRetries: 0, fetch: nodeFetch, models: () => [] })],
  ["anthropic", () => new AnthropicProvider({ apiKey: "k", baseURL: base, timeoutMs: 10_000, maxRetries: 0, fetch: nodeFetch, models: () => [] })],
];

describe.each(providers)("a %s stream whose consumer stops before its body is read", (_, make) => {
  it("lets go of the upstream connection", async () => {
    const request = parseChatRequest({ model: "m", messages: [{ role: "user", content: "x" }], stream: true, max_tokens: 5 });
    // A signal that never fires: the stop comes from the consumer alone (return() at "accepted").
    const events = make().chat(request, { requestId: "r1", signal: new AbortController().signal, deadlineUnixMs: 0 });
    expect((await events.next()).value).toMatchObject({ type: "accepted" });
    await events.return(undefined);
    await expect(closedWithin(requests.at(-1)!, 2_000)).resolves.toBeUndefined();
  });
});
