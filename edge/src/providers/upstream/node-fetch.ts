/**
 * @module A fetch for the provider SDKs on Node, over node:http(s) with keep-alive agents.
 * Node 20's built-in fetch (undici) cost ~0.4 ms more CPU per upstream call in bench:proxy
 * (Request/Headers objects, signals, web-stream plumbing); the SDKs accept any fetch.
 *
 * Its Response makes the body's web stream only when something asks for it (`body`, `blob`,
 * `formData`, `clone`). `text`, `json` and `arrayBuffer` read node's stream directly, and
 * `responseBytes` hands it over as it is: on Node 20 a ReadableStream (made transferable on
 * construction) and the adapter in front of node's stream cost more than the read itself.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { RESPONSE_BYTES } from "./response-bytes.ts";

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
    const body = init?.body;
    const method = init?.method ?? "GET";
    // Headers as one flat list, which node:http writes as they are (an object costs a
    // setHeader per name); node then adds neither Host nor Content-Length, so they are here.
    const headers: string[] = [];
    let hasHost = false;
    let hasLength = false;
    let hasAuth = false;
    // The SDKs hand over a Headers already: read it, not a copy of it.
    const given = init?.headers;
    (given instanceof Headers ? given : new Headers(given)).forEach((value, name) => {
      if (name === "host") hasHost = true;
      else if (name === "content-length") hasLength = true;
      else if (name === "authorization") hasAuth = true;
      headers.push(name, value);
    });
    if (!hasHost) headers.push("host", url.host);
    // Credentials in the URL, as node:http would send them from a URL (unless one is given).
    if (!hasAuth && (url.username || url.password))
      headers.push("authorization", `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`);
    const length = bodyLength(body, method);
    if (!hasLength && length !== undefined) headers.push("content-length", String(length));
    const lib = url.protocol === "https:" ? https : http;
    // Options rather than the URL: node would convert the URL into these on every call.
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const options = { protocol: url.protocol, hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: agents[url.protocol], signal: init?.signal ?? undefined };
    const req = lib.request(options, (res) => {
      // Pairs, which the Response fills its own Headers from (a Headers here would be copied).
      const out: [string, string][] = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
      const status = res.statusCode ?? 502;
      const empty = status === 204 || status === 304 || method === "HEAD";
      if (empty) res.resume();
      const responseInit = { status, statusText: res.statusMessage ?? "", headers: out };
      resolve(empty ? new Response(null, responseInit) : new NodeResponse(res, responseInit));
    });
    req.on("error", reject);
    if (body === undefined || body === null) req.end();
    else if (typeof body === "string" || body instanceof Uint8Array) req.end(body);
    else if (body instanceof ArrayBuffer) req.end(new Uint8Array(body));
    else if (body instanceof ReadableStream) Readable.fromWeb(body as import("node:stream/web").ReadableStream).pipe(req);
    else {
      req.destroy();
      reject(new TypeError("unsupported request body type"));
    }
  });

/** Methods node:http sends without a body unless given one (it chunks the others by default). */
const BODYLESS = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/** A body's length in bytes where it is known up front (as node would say it); a stream goes chunked. */
function bodyLength(body: RequestInit["body"], method: string): number | undefined {
  if (body === undefined || body === null) return BODYLESS.has(method.toUpperCase()) ? undefined : 0;
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return body.byteLength;
  return undefined;
}

const utf8 = new TextDecoder();

/**
 * Node's body until something asks for a web one; then the web one, for good. Read through
 * node (`text`, `json`, `arrayBuffer`, `responseBytes`), the body is used, as a web body's
 * read would leave it: `bodyUsed` is true, `body` null, and a second read fails.
 */
class NodeResponse extends Response {
  /** The body as node reads it, until taken (by a node read or by the web body). */
  #incoming: IncomingMessage | undefined;
  /** The same answer with a web body, made on the first ask for one; delegated to after. */
  #web: Response | undefined;
  #readByNode = false;

  constructor(incoming: IncomingMessage, init: ResponseInit) {
    super(null, init);
    this.#incoming = incoming;
  }

  /** Node's stream for a node read; undefined if the body is taken already. */
  #nodeRead(): IncomingMessage | undefined {
    const incoming = this.#incoming;
    if (!incoming) return undefined;
    this.#incoming = undefined;
    this.#readByNode = true;
    return incoming;
  }

  #webResponse(): Response | undefined {
    if (!this.#web && !this.#readByNode) {
      const incoming = this.#incoming;
      this.#incoming = undefined;
      this.#web = new Response(incoming ? (Readable.toWeb(incoming) as ReadableStream<Uint8Array>) : null, {
        status: this.status,
        statusText: this.statusText,
        headers: this.headers,
      });
    }
    return this.#web;
  }

  [RESPONSE_BYTES](): AsyncIterable<Uint8Array> | undefined {
    return this.#web ? undefined : this.#nodeRead();
  }

  override get body(): Response["body"] {
    return this.#webResponse()?.body ?? null;
  }

  override get bodyUsed(): boolean {
    return this.#readByNode || (this.#web?.bodyUsed ?? false);
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  override async text(): Promise<string> {
    // As a web body's text(): UTF-8, a leading byte order mark dropped.
    return utf8.decode(await this.#bytes());
  }

  override async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  override blob(): Promise<Blob> {
    return this.#usableWeb().blob();
  }

  override formData(): Promise<FormData> {
    return this.#usableWeb().formData();
  }

  override clone(): Response {
    return this.#usableWeb().clone();
  }

  /** The web response, or the error a web body gives when read twice. */
  #usableWeb(): Response {
    const web = this.#webResponse();
    if (!web) throw new TypeError("Body is unusable: it has been read already");
    return web;
  }

  async #bytes(): Promise<Buffer> {
    if (this.#web) return Buffer.from(await this.#web.arrayBuffer());
    const incoming = this.#nodeRead();
    if (!incoming) throw new TypeError("Body is unusable: it has been read already");
    const parts: Buffer[] = [];
    for await (const part of incoming) parts.push(part as Buffer);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
