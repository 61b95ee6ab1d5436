import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeFetch } from "./node-fetch.ts";
import { responseBytes } from "./response-bytes.ts";

let server: Server;
let url: string;
// Three writes, so node's stream sees more than one read.
const PIECES = ['{"a":', '"héllo",', '"b":[1,2,3]}'];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/missing") {
      res.writeHead(404, { "content-type": "application/json", "x-request-id": "req_404" });
      res.end('{"error":{"message":"no such thing"}}');
      return;
    }
    if (req.url === "/bom") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]));
      return;
    }
    if (req.url === "/cut") {
      // Promises 100 bytes, sends 9, and goes away.
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"a":"par', () => res.destroy());
      return;
    }
    if (req.url?.startsWith("/echo")) {
      // What arrived: method, path, the framing headers and the body.
      const pieces: Buffer[] = [];
      req.on("data", (p: Buffer) => pieces.push(p));
      req.on("end", () => {
        const { host, "content-length": length, "transfer-encoding": te, "x-a": a, authorization } = req.headers;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ method: req.method, path: req.url, host, length: length ?? null, te: te ?? null, a: a ?? null, ...(authorization ? { authorization } : {}), body: Buffer.concat(pieces).toString() }));
      });
      return;
    }
    if (req.url === "/empty") {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "x-echo-auth": req.headers.authorization ?? "" });
    let i = 0;
    const next = () => {
      if (i === PIECES.length) res.end();
      else res.write(PIECES[i++], () => setTimeout(next, 5));
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const whole = PIECES.join("");
const get = (path = "/", headers?: HeadersInit) => nodeFetch(`${url}${path}`, headers ? { headers } : undefined);

describe("nodeFetch's Response", () => {
  it("reads the body through node with text(), json() and arrayBuffer(), and is used after", async () => {
    const a = await get("/", new Headers({ authorization: "Bearer k" }));
    expect(a.headers.get("x-echo-auth")).toBe("Bearer k");
    expect(a.bodyUsed).toBe(false);
    expect(await a.text()).toBe(whole);
    expect(a.bodyUsed).toBe(true);
    expect(a.body).toBeNull();
    await expect(a.text()).rejects.toThrow(TypeError);

    expect(await (await get()).json()).toEqual(JSON.parse(whole));
    // As a web body's: a leading byte order mark is not part of the text.
    expect(await (await get("/bom")).json()).toEqual({ a: 1 });
    expect(new TextDecoder().decode(await (await get()).arrayBuffer())).toBe(whole);
  });

  it("hands its reads over to responseBytes once", async () => {
    const r = await get();
    const reads: Uint8Array[] = [];
    for await (const read of responseBytes(r) ?? []) reads.push(read);
    expect(Buffer.concat(reads).toString("utf8")).toBe(whole);
    expect(r.bodyUsed).toBe(true);
    expect(responseBytes(r)).toBeUndefined();
  });

  it("makes a web body when asked for one, and reads go through it from then on", async () => {
    const r = await get();
    const body = r.body;
    expect(body).toBeInstanceOf(ReadableStream);
    expect(r.body).toBe(body);
    const chunks: string[] = [];
    for await (const read of responseBytes(r) ?? []) chunks.push(new TextDecoder().decode(read, { stream: true }));
    expect(chunks.join("")).toBe(whole);
    expect(r.bodyUsed).toBe(true);

    const c = await get();
    const copy = c.clone();
    expect(await copy.text()).toBe(whole);
    expect(await c.text()).toBe(whole);
  });

  it("keeps status, headers and the error body of a failure for the SDK to read", async () => {
    const r = await get("/missing");
    expect(r.ok).toBe(false);
    expect(r.status).toBe(404);
    expect(r.headers.get("x-request-id")).toBe("req_404");
    expect(await r.json()).toEqual({ error: { message: "no such thing" } });
  });

  it("fails a read, never hangs, when the upstream goes away mid-body", async () => {
    await expect((await get("/cut")).text()).rejects.toThrow();
    const reads = async () => {
      for await (const _ of responseBytes(await get("/cut")) ?? []);
    };
    await expect(reads()).rejects.toThrow();
  });

  it("gives a 204 no body", async () => {
    const r = await get("/empty");
    expect(r.status).toBe(204);
    expect(r.body).toBeNull();
    expect(responseBytes(r)).toBeUndefined();
  });
});

describe("nodeFetch's request", () => {
  const echo = async (init: RequestInit, path = "/echo?q=1&r=%20") => (await (await nodeFetch(`${url}${path}`, init)).json()) as Record<string, string | null>;
  const host = () => new URL(url).host;

  it("sends the path with its query, Host, the headers given, and a string body with its byte length", async () => {
    const body = '{"text":"héllo ✓"}';
    const got = await echo({ method: "POST", headers: new Headers({ "x-a": "1", "content-type": "application/json" }), body });
    expect(got).toEqual({ method: "POST", path: "/echo?q=1&r=%20", host: host(), length: String(Buffer.byteLength(body)), te: null, a: "1", body });
  });

  it("frames bytes, an empty POST and a bodiless GET as node would", async () => {
    expect(await echo({ method: "POST", body: new TextEncoder().encode("bytes") })).toMatchObject({ length: "5", body: "bytes" });
    expect(await echo({ method: "POST" })).toMatchObject({ length: "0", te: null, body: "" });
    expect(await echo({ method: "GET" })).toMatchObject({ method: "GET", length: null, te: null, body: "" });
  });

  it("sends a URL's credentials as Basic auth, unless an Authorization is given", async () => {
    const withCreds = url.replace("http://", "http://us%40er:p%3Ass@");
    const basic = `Basic ${Buffer.from("us@er:p:ss").toString("base64")}`;
    expect(await (await nodeFetch(`${withCreds}/echo`)).json()).toMatchObject({ authorization: basic });
    expect(await (await nodeFetch(`${withCreds}/echo`, { headers: { authorization: "Bearer k" } })).json()).toMatchObject({ authorization: "Bearer k" });
  });

  it("keeps a Host and a Content-Length given, and chunks a stream", async () => {
    expect(await echo({ method: "POST", headers: { host: "upstream.example", "content-length": "2" }, body: "ok" })).toMatchObject({ host: "upstream.example", length: "2", body: "ok" });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("one,"));
        c.enqueue(new TextEncoder().encode("two"));
        c.close();
      },
    });
    expect(await echo({ method: "POST", body: stream, duplex: "half" } as RequestInit)).toMatchObject({ te: "chunked", length: null, body: "one,two" });
  });
});
