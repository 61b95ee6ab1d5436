/**
 * @module PGlite off the event loop: the database lives in a worker thread (pglite-thread.mjs)
 * and drizzle reaches it through its pg-proxy driver, one message per statement. A statement
 * costs ~0.5–1.5 ms of main-thread CPU when PGlite runs in the gateway's own thread (usage
 * batches, key checks, limiter leases); here the gateway only posts and awaits.
 */
import { Worker } from "node:worker_threads";
import * as schema from "@switchyard/drizzle/schema";
import { drizzle } from "drizzle-orm/pg-proxy";
import { migrate } from "drizzle-orm/pg-proxy/migrator";
import { z } from "zod";

const Reply = z.union([
  z.object({ ready: z.boolean(), error: z.object({ message: z.string() }).loose().optional() }),
  z.object({ id: z.number(), rows: z.array(z.unknown()) }),
  z.object({ id: z.number(), error: z.object({ message: z.string(), code: z.string().optional(), detail: z.string().optional() }) }),
  z.object({ closed: z.literal(true) }),
]);

/** A failed statement, with Postgres' SQLSTATE code as PGlite reported it. */
export class PgliteThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "PgliteThreadError";
  }
}

interface Pending {
  resolve(rows: unknown[]): void;
  reject(err: Error): void;
}

export class PgliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #closed: Promise<void> | undefined;
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (data: unknown) => this.#onReply(data));
    worker.on("error", (err) => this.#fail(err));
    worker.on("exit", (code) => this.#fail(new Error(`the PGlite thread exited (${code})`)));
  }

  /** Starts the thread and waits for its database (a folder, or "memory"). */
  static async start(dataDir: string): Promise<PgliteThread> {
    const worker = new Worker(new URL("./pglite-thread.mjs", import.meta.url), { workerData: { dataDir } });
    const ready = await new Promise<{ ready: boolean; error?: { message: string } | undefined }>((resolve, reject) => {
      worker.once("message", (data: unknown) => {
        const reply = Reply.parse(data);
        if ("ready" in reply) resolve(reply);
        else reject(new Error("the PGlite thread answered before it was ready"));
      });
      worker.once("error", reject);
    });
    if (!ready.ready) throw new Error(`PGlite could not open ${dataDir}: ${ready.error?.message ?? "unknown error"}`);
    return new PgliteThread(worker);
  }

  query(sql: string, params: unknown[], mode: "array" | "object"): Promise<unknown[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, sql, params, mode });
    });
  }

  /** drizzle over this thread: "all" wants rows as arrays, "execute" as objects. */
  drizzle() {
    return drizzle(async (sql, params, method) => ({ rows: await this.query(sql, params, method === "all" ? "array" : "object") }), { schema });
  }

  async migrate(migrationsFolder: string): Promise<void> {
    await migrate(
      this.drizzle(),
      async (queries) => {
        for (const q of queries) await this.query(q, [], "object");
      },
      { migrationsFolder },
    );
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#worker.once("exit", () => resolve());
      this.#worker.postMessage({ close: true });
    });
    return this.#closed;
  }

  #onReply(data: unknown): void {
    const reply = Reply.parse(data);
    if (!("id" in reply)) return;
    const pending = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (!pending) return;
    if ("rows" in reply) pending.resolve(reply.rows);
    else pending.reject(new PgliteThreadError(reply.error.message, reply.error.code));
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
