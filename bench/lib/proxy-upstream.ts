/**
 * @module The fake OpenAI upstream of `bench:proxy`, run as its own process
 * (`node --import tsx bench/lib/proxy-upstream.ts`) so neither the gateway nor the load generator
 * shares its event loop. As cheap as node:http allows: the replies are rendered once at start,
 * a request body is only scanned for `"stream": true`, nothing is recorded. POST
 * .../chat/completions answers the fixed chat.completion, or with stream the fixed SSE stream in
 * one write (with the usage chunk when stream_options.include_usage). Settings come from the
 * environment (BENCH_UPSTREAM_CHUNKS: content chunks per stream; BENCH_UPSTREAM_DELAY_MS: a wait
 * before each answer, as a slower provider's; BENCH_UPSTREAM_EVENT_DELAY_MS: a stream sent event
 * by event with this wait between them, as a model generating, which holds streams open); the
 * listening port is sent
 * to the parent over IPC as { type: "ready", port }.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { serveChild } from "./child-server.ts";
import { renderCompletion, renderStream, replyPieces } from "./proxy-fixture.ts";

const pieces = replyPieces(Number(process.env.BENCH_UPSTREAM_CHUNKS ?? 100));
const delayMs = Number(process.env.BENCH_UPSTREAM_DELAY_MS ?? 0);
const eventDelayMs = Number(process.env.BENCH_UPSTREAM_EVENT_DELAY_MS ?? 0);
const completion = renderCompletion(pieces);
const streamWithUsage = renderStream(pieces, true);
const streamWithoutUsage = renderStream(pieces, false);
const JSON_HEADERS = { "content-type": "application/json", "content-length": String(completion.length), "x-request-id": "req_bench" };
// No content-length: chunked, as OpenAI streams.
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-request-id": "req_bench" };
const NOT_FOUND = Buffer.from(JSON.stringify({ error: { message: "not found", type: "invalid_request_error", param: null, code: null } }));

const STREAM = /"stream"\s*:\s*true/;
const INCLUDE_USAGE = /"include_usage"\s*:\s*true/;

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
    res.writeHead(404, { "content-type": "application/json", "content-length": String(NOT_FOUND.length) });
    res.end(NOT_FOUND);
    return;
  }
  if (!STREAM.test(body)) {
    res.writeHead(200, JSON_HEADERS);
    res.end(completion);
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  const stream = INCLUDE_USAGE.test(body) ? streamWithUsage : streamWithoutUsage;
  if (eventDelayMs > 0) void slowly(res, stream);
  else res.end(stream);
}

/** The stream event by event, `eventDelayMs` apart (ends early if the client goes away). */
async function slowly(res: ServerResponse, stream: Buffer): Promise<void> {
  const events = stream.toString("utf8").split("\n\n").filter((e) => e.length > 0);
  for (const event of events) {
    if (res.destroyed) return;
    res.write(`${event}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, eventDelayMs));
  }
  res.end();
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
  });
  req.on("end", () => {
    if (delayMs > 0) setTimeout(answer, delayMs, req, res, body);
    else answer(req, res, body);
  });
});
// The gateway's connection pool idles while the direct runs go; keep its connections open.
server.keepAliveTimeout = 60_000;

serveChild(server, Number(process.env.PORT ?? 0));
