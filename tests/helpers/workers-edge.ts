/**
 * @module The Workers build of the edge under Miniflare (workerd), as a test would deploy it:
 * the wrangler bundle, vars and secrets as bindings, NATS over the test server's WebSocket
 * listener and Postgres through the Neon driver and the development relay.
 */
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import OpenAI from "openai";
import { startWsRelay, type WsRelay } from "../../edge/src/dev/ws-relay.ts";
import { writeHarness } from "./workers-harness.ts";

export interface WorkersEdge {
  url: string;
  client: OpenAI;
  /** Resolves once every ctx.waitUntil of past requests has ended (their writes landed). */
  settled(): Promise<void>;
  /** What the Worker printed (its log lines), for checks such as "no key is ever logged". */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The test targets' SEND_TIMEOUT_MS (the deployed default is 60 s). Under Miniflare with the
 * cores shared, workerd now and then never reports a client that went away (relay-body.ts):
 * the send timeout is then what stops the work, and a test waiting on that should not wait a
 * minute. Clients in the suites read promptly, so no live stream waits this long.
 */
export const TEST_SEND_TIMEOUT_MS = 500;

/** The compatibility settings of wrangler.toml (Miniflare does not read it). */
const COMPATIBILITY = { compatibilityDate: "2026-04-26", compatibilityFlags: ["nodejs_compat", "enable_request_signal"] };

export interface WorkersEdgeOptions {
  /** Where the wrangler bundle is (tests: the global setup's; benches build their own). */
  bundleDir: string;
  natsWsUrl: string;
  databaseUrl: string;
  prefix: string;
  bindings?: Record<string, string>;
}

export async function startWorkersEdge(opts: WorkersEdgeOptions): Promise<WorkersEdge> {
  const db = new URL(opts.databaseUrl);
  const relay: WsRelay = await startWsRelay({ allowed: [`${db.hostname}:${db.port || 5432}`] });
  const dir = opts.bundleDir;
  const harness = await writeHarness(dir);
  let output = "";
  const mf = new Miniflare({
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const stream of [stdout, stderr])
        stream.on("data", (d: Buffer) => {
          output += d.toString();
        });
    },
    modulesRoot: dir,
    modules: [
      { type: "ESModule", path: harness },
      { type: "ESModule", path: join(dir, "worker.js") },
    ],
    ...COMPATIBILITY,
    bindings: {
      // Loopback, like the Node suites: open mode while no key exists.
      HOST: "127.0.0.1",
      NATS_URL: opts.natsWsUrl,
      SY_SUBJECT_PREFIX: opts.prefix,
      DATABASE_URL: opts.databaseUrl,
      DATABASE_RELAY_URL: relay.url,
      SWITCHYARD_SECRET: "test-secret-0123456789",
      SY_STATUS_TTL_MS: "2000",
      WORKER_IDLE_TIMEOUT_MS: "1500",
      ACCEPT_TIMEOUT_MS: "2000",
      ...opts.bindings,
    },
    // The NatsHub Durable Object, for NATS_MODE=hub (wrangler.toml binds it the same way).
    durableObjects: { NATS_HUB: "NatsHub" },
    port: 0,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    client: new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 }),
    output: () => output,
    async settled() {
      await (await fetch(`${url}/__settled`)).text();
    },
    async stop() {
      await mf.dispose();
      await relay.close();
    },
  };
}
