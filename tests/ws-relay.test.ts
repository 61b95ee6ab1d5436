/** The development relay for the Neon driver: pipes bytes to the addresses it was given, and refuses any other. */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startWsRelay, type WsRelay } from "../edge/src/dev/ws-relay.ts";

describe("ws-relay", () => {
  let echo: Server;
  let port = 0;
  let relay: WsRelay;

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    port = (echo.address() as { port: number }).port;
    relay = await startWsRelay({ allowed: [`127.0.0.1:${port}`] });
  });
  afterAll(async () => {
    await relay.close();
    await new Promise((r) => echo.close(r));
  });

  it("pipes binary frames to an allowed address and back", async () => {
    const ws = new WebSocket(`${relay.url}/?address=127.0.0.1:${port}`);
    const reply = new Promise<Buffer>((resolve) => ws.once("message", (d: Buffer) => resolve(d)));
    await new Promise((r) => ws.once("open", r));
    ws.send(Buffer.from([1, 2, 3, 250]));
    expect([...(await reply)]).toEqual([1, 2, 3, 250]);
    ws.close();
  });

  it("closes the socket for an address it was not given", async () => {
    for (const address of ["127.0.0.1:22", "127.0.0.2:5432", "garbage", ""]) {
      const ws = new WebSocket(`${relay.url}/?address=${encodeURIComponent(address)}`);
      const code = await new Promise<number>((resolve) => ws.once("close", (c: number) => resolve(c)));
      expect(code, address).toBe(1008);
    }
  });
});
