/**
 * @module A WebSocket-to-TCP relay for the Neon driver against a plain Postgres: each
 * WebSocket `/?address=host:port` is piped to that TCP address, binary frames both ways.
 * A development tool (`npm run dev:relay`, tests, later `npm run dev:edge`): it only relays
 * to the addresses it was given, and binds loopback by default.
 */
import { createConnection } from "node:net";
import { WebSocketServer } from "ws";

export interface WsRelay {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startWsRelay(opts: { allowed: string[]; host?: string; port?: number }): Promise<WsRelay> {
  const allowed = new Set(opts.allowed);
  const wss = new WebSocketServer({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://relay").searchParams.get("address") ?? "";
    const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
    if (!allowed.has(address) || !host || !Number.isInteger(port)) {
      ws.close(1008, "address not allowed");
      return;
    }
    const tcp = createConnection({ host, port });
    tcp.on("data", (chunk) => ws.send(chunk));
    tcp.on("close", () => ws.close());
    tcp.on("error", () => ws.close(1011, "database unreachable"));
    ws.on("message", (data: Buffer) => tcp.write(data));
    ws.on("close", () => tcp.destroy());
    ws.on("error", () => tcp.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  const address = wss.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `ws://${opts.host ?? "127.0.0.1"}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
