/**
 * @module The floor of `bench:proxy`: the least any Node HTTP proxy does, run as its own process
 * (`node --import tsx bench/lib/proxy-floor-server.ts`). It reads the client's body, sends it to
 * the upstream (BENCH_FLOOR_UPSTREAM, an origin) on the same path over a keep-alive pool, and pipes
 * the answer back with its status and content type. No parsing, no auth, no routing, no
 * accounting: what it costs per request is what node:http's server and client cost on this
 * machine, so a gateway's rps ratio cannot beat this one's. The listening port is sent to the
 * parent over IPC as { type: "ready", port }.
 */
import { createServer, Agent, request } from "node:http";
import { serveChild } from "./child-server.ts";

const upstream = new URL(process.env.BENCH_FLOOR_UPSTREAM ?? "");
// As the gateway's pool: enough sockets that no request waits for one.
const agent = new Agent({ keepAlive: true, maxSockets: 4096 });

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const pieces: Buffer[] = [];
  req.on("data", (piece: Buffer) => pieces.push(piece));
  req.on("end", () => {
    const body = Buffer.concat(pieces);
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        agent,
        headers: { "content-type": "application/json", "content-length": String(body.length), authorization: "Bearer x" },
      },
      (answer) => {
        const contentLength = answer.headers["content-length"];
        res.writeHead(answer.statusCode ?? 502, {
          "content-type": answer.headers["content-type"] ?? "application/octet-stream",
          ...(contentLength ? { "content-length": contentLength } : {}),
        });
        answer.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    // A client that goes away stops the upstream request, as a gateway must.
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    up.end(body);
  });
});

serveChild(server, 0, () => agent.destroy());
