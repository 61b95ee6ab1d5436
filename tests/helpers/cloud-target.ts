/**
 * @module A gateway with cloud fakes for the store suites, on either runtime: Node (in this
 * process, PGlite or the Postgres server) or the Workers build under Miniflare (Postgres
 * through Neon and the relay). Both give the suite a URL, the fake upstreams and a way to
 * wait for the writes a request leaves behind.
 */
import { createLogger } from "@switchyard/shared/log";
import { inject } from "vitest";
import { openStore } from "../../edge/src/store/open-store.ts";
import type { Store } from "../../edge/src/store/store.ts";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startCloudFakes, startCloudGateway } from "./cloud-gateway.ts";
import { createTestDatabase, type DbKind, dbKinds } from "./databases.ts";
import { startWorkersEdge, TEST_SEND_TIMEOUT_MS } from "./workers-edge.ts";

export type TargetKind = DbKind | "workers";

/** Node on every database kind, and the Workers build when a Postgres server is there (it has no PGlite). */
export const targetKinds = (): TargetKind[] => [...dbKinds(), ...(process.env.TEST_DATABASE_URL ? (["workers"] as const) : [])];

export interface CloudTarget {
  kind: TargetKind;
  url: string;
  openai: FakeUpstream;
  anthropic: FakeUpstream;
  /** postgres://… of the target's database; undefined on PGlite (in this process only). */
  databaseUrl: string | undefined;
  /** Everything the gateway logged so far. */
  logs(): string;
  /** Waits until the usage and conversation writes of past requests have landed. */
  settle(): Promise<void>;
  /** Writes still waiting after settle() (the Node gateway's write queue; none on Workers once settled). */
  backlog(): number;
  stop(): Promise<void>;
}

export async function startCloudTarget(kind: TargetKind, env: Record<string, string>): Promise<CloudTarget> {
  const [target] = await startCloudTargets(kind, env, 1);
  return target!;
}

/** `count` gateways on one database, as separate instances (Node) or separate Workers would be. */
export async function startCloudTargets(kind: TargetKind, env: Record<string, string>, count: number): Promise<CloudTarget[]> {
  const db = await createTestDatabase(kind === "workers" ? "postgres" : kind);
  const targets: CloudTarget[] = [];
  for (let i = 0; i < count; i++) targets.push(kind === "workers" ? await workersTarget(db.url!, env) : await nodeTarget(kind, await db.open(), db.url, env));
  // The database goes with the last one stopped.
  const last = targets.at(-1)!;
  const stopLast = last.stop;
  last.stop = async () => {
    await stopLast();
    if (kind === "pglite") await (await db.open()).close();
    await db.drop();
  };
  return targets;
}

async function nodeTarget(kind: DbKind, store: Store, databaseUrl: string | undefined, env: Record<string, string>): Promise<CloudTarget> {
  const lines: string[] = [];
  // The routing config as the Workers build reads it (SWITCHYARD_ROUTES), so one env drives both.
  const routes: unknown = env.SWITCHYARD_ROUTES ? JSON.parse(env.SWITCHYARD_ROUTES) : undefined;
  const gw = await startCloudGateway({ store, env, routes, log: createLogger("test", (line) => lines.push(line)) });
  return {
    kind,
    url: gw.url,
    openai: gw.openai,
    anthropic: gw.anthropic,
    databaseUrl,
    logs: () => lines.join("\n"),
    settle: async () => {
      // Calls still accounting, and the response cache's writes, first; then the write queue.
      await gw.gateway.deps.inFlight.idle(2_000);
      await gw.gateway.deps.writes.drain(2_000);
    },
    backlog: () => gw.gateway.deps.writes.backlog,
    async stop() {
      await gw.stop();
      // PGlite's one in-memory database is shared by the pair: closed once, with the last.
      if (kind !== "pglite") await store.close();
    },
  };
}

async function workersTarget(databaseUrl: string, env: Record<string, string>): Promise<CloudTarget> {
  await (await openStore({ databaseUrl, pgliteDir: "unused" })).close();
  const fakes = await startCloudFakes();
  const edge = await startWorkersEdge({
    bundleDir: inject("edgeBundleDir"),
    natsWsUrl: inject("natsWsUrl"),
    databaseUrl,
    prefix: `cw${Math.random().toString(36).slice(2, 8)}`,
    bindings: { SEND_TIMEOUT_MS: String(TEST_SEND_TIMEOUT_MS), ...fakes.env, ...env, NATS_MODE: "per-request" },
  });
  return {
    kind: "workers",
    url: edge.url,
    openai: fakes.openai,
    anthropic: fakes.anthropic,
    databaseUrl,
    logs: () => edge.output(),
    settle: () => edge.settled(),
    backlog: () => 0,
    async stop() {
      await edge.stop();
      await fakes.stop();
    },
  };
}
