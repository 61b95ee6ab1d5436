/**
 * @module The end of a bench child that is an HTTP server (the fake upstream, the floor proxy):
 * listens on loopback, reports { type: "ready", port } to the parent over IPC (child-service.ts
 * waits for it), and stops on SIGTERM/SIGINT or when the parent goes away.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export function serveChild(server: Server, port: number, onStop?: () => void): void {
  const stop = () => {
    server.close();
    server.closeAllConnections();
    onStop?.();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // The parent went away without stopping us (killed hard): do not outlive it.
  process.on("disconnect", stop);
  server.listen(port, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ type: "ready", port });
  });
}
