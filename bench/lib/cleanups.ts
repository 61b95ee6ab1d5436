/**
 * @module Teardown steps run newest first, exactly once, whether the bench finishes, fails or
 * is interrupted (Ctrl-C), so no nats-server, worker process, model or temp folder outlives it.
 */

export class Cleanups {
  #steps: Array<{ name: string; run: () => Promise<void> }> = [];
  #running: Promise<void> | undefined;
  #interrupted = false;

  /** True once a signal started the teardown: errors from runs cut short are expected then. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  add(name: string, run: () => Promise<void>): void {
    this.#steps.push({ name, run });
  }

  runAll(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.reverse()) {
        await step.run().catch((err: unknown) => console.error(`cleanup ${step.name} failed: ${(err as Error).message}`));
      }
      this.#steps = [];
    })();
    return this.#running;
  }

  /** On SIGINT/SIGTERM: tear down, then exit with the conventional 128 + signal number. */
  onSignals(): void {
    const stop = (signal: NodeJS.Signals, code: number) => {
      this.#interrupted = true;
      console.error(`\n${signal}: stopping`);
      void this.runAll().finally(() => process.exit(code));
    };
    process.once("SIGINT", () => stop("SIGINT", 130));
    process.once("SIGTERM", () => stop("SIGTERM", 143));
  }
}

/**
 * Runs a bench's main with teardown on signals, prints its error (unless a signal cut it short),
 * tears down, and exits with its code (1 on an error). Exits right away: node-llama-cpp,
 * sherpa-onnx and NATS can leave handles that keep the loop alive for a while after disposal,
 * and everything is already stopped by then.
 */
export async function runBench(main: (cleanups: Cleanups) => Promise<number>): Promise<never> {
  const cleanups = new Cleanups();
  cleanups.onSignals();
  const code = await main(cleanups).catch((err: unknown) => {
    if (!cleanups.interrupted) console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return 1;
  });
  await cleanups.runAll();
  process.exit(code);
}
