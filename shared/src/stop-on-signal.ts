/** @module Runs a process's shutdown once, on SIGINT or SIGTERM, then exits. */

export function stopOnSignal(stop: (signal: "SIGINT" | "SIGTERM") => Promise<void>, log: (message: string) => void): void {
  let stopping = false;
  const shutdown = async (signal: "SIGINT" | "SIGTERM") => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    try {
      await stop(signal);
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}
