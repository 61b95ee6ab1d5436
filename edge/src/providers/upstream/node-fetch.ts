/**
 * @module A fetch for the provider SDKs on Node, over node:http(s) with keep-alive agents.
 * Node 20's built-in fetch (undici) cost ~0.4 ms more CPU per upstream call in bench:proxy
 * (Request/Headers objects, signals, web-stream plumbing); the SDKs accept any fetch.
 */
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

/**
 * Connections per upstream host: a stream holds one for its whole length, so this bounds the
 * streams open at once to one provider (bench:proxy's memory part holds 1,000).
 */
const MAX_SOCKETS = 4096;
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
};

function requestUrl(input: string | URL | Request): URL {
  if (typeof input === "string") return new URL(input);
  if (input instanceof URL) return input;
  return new URL(input.url);
}

export const nodeFetch: typeof fetch = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = requestUrl(input);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      reject(new TypeError(`unsupported protocol ${url.protocol}`));
      return;
    }
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(url, { method: init?.method ?? "GET", headers, agent: agents[url.protocol], signal: init?.signal ?? undefined }, (res) => {
      const out = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i] ?? "", res.rawHeaders[i + 1] ?? "");
      const status = res.statusCode ?? 502;
      const empty = status === 204 || status === 304 || init?.method === "HEAD";
      if (empty) res.resume();
      resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? "", headers: out }));
    });
    req.on("error", reject);
    const body = init?.body;
    if (body === undefined || body === null) req.end();
    else if (typeof body === "string" || body instanceof Uint8Array) req.end(body);
    else if (body instanceof ArrayBuffer) req.end(new Uint8Array(body));
    else if (body instanceof ReadableStream) Readable.fromWeb(body as import("node:stream/web").ReadableStream).pipe(req);
    else {
      req.destroy();
      reject(new TypeError("unsupported request body type"));
    }
  });
