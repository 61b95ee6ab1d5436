/**
 * @module The end of a bench child that is an HTTP server (the fake upstream, the floor proxy):
 * listens on loopback, reports { type: "ready", port } to the parent over IPC (child-service.ts
 * waits for it), answers the memory part's asks, and stops on SIGTERM/SIGINT or when the parent goes away.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getHeapSpaceStatistics } from "node:v8";

/** V8's heap spaces as the memory part reports them: committed and used bytes of each. */
export type HeapSpaces = Record<string, { committed: number; used: number }>;

const heapSpaces = (): HeapSpaces =>
  Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { committed: s.space_size, used: s.space_used_size }]));

/** Answers the memory part's asks: the heap's share of the RSS, and (with --expose-gc) the live heap. */
export function answerMemoryAsks(): void {
  process.on("message", (m: unknown) => {
    const type = typeof m === "object" && m !== null ? (m as { type?: unknown }).type : undefined;
    if (type === "memory") process.send?.({ type, usage: process.memoryUsage(), spaces: heapSpaces() });
    if (type === "live-heap") {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ type, usage: process.memoryUsage() });
    }
  });
}

export function serveChild(server: Server, port: number, onStop?: () => void): void {
  answerMemoryAsks();
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
