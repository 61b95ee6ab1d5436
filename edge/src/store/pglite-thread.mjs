/**
 * @module The PGlite worker thread (plain JavaScript: a worker does not inherit the TypeScript
 * loader of tsx or vitest). It owns one PGlite database and runs the queries the main thread
 * posts, one at a time, so a statement (~0.5–1.5 ms of WASM each) never runs on the gateway's
 * event loop. Values are parsed as drizzle's own PGlite driver does: timestamps, dates and
 * intervals stay strings for drizzle to map.
 *
 * Messages in: {id, sql, params, mode: "array" | "object"} and {close: true}.
 * Messages out: {ready: true} | {ready: false, error}, {id, rows} | {id, error}, {closed: true}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, types } from "@electric-sql/pglite";

const raw = (value) => value;
const parsers = {
  [types.TIMESTAMP]: raw,
  [types.TIMESTAMPTZ]: raw,
  [types.INTERVAL]: raw,
  [types.DATE]: raw,
  1231: raw, // numeric[]
  1115: raw, // timestamp[]
  1185: raw, // timestamptz[]
  1187: raw, // interval[]
  1182: raw, // date[]
};

/**
 * The gateway's tables are small: Postgres' default 128 MB of shared buffers, touched at start,
 * were most of the process's resident memory.
 */
const postgresqlconf = ["shared_buffers=8MB"];

const port = parentPort;
let db;
try {
  db = workerData.dataDir === "memory" ? new PGlite({ postgresqlconf }) : new PGlite(workerData.dataDir, { postgresqlconf });
  await db.waitReady;
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: describe(err) });
  process.exit(1);
}

port.on("message", async (msg) => {
  if (msg.close) {
    await db.close().catch(() => {});
    port.postMessage({ closed: true });
    port.close();
    return;
  }
  try {
    const result = await db.query(msg.sql, msg.params, { rowMode: msg.mode, parsers });
    port.postMessage({ id: msg.id, rows: result.rows });
  } catch (err) {
    port.postMessage({ id: msg.id, error: describe(err) });
  }
});

function describe(err) {
  return { message: err?.message ?? String(err), code: err?.code, detail: err?.detail };
}
