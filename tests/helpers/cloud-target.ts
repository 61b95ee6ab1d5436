/**
 * @module A gateway with cloud fakes for the store suites, on either runtime: Node (in this
 * process, PGlite or the Postgres server) or the Workers build under Miniflare (Postgres
 * through Neon and the relay). Both give the suite a URL, the fake upstreams and a way to
 * wait for the writes a request leaves behind.
 */
import { inject } from "vitest";
import type { FakeUpstream } from "../fakes/fake-upstream.ts";
import { startCloudFakes, startCloudGateway } from "./cloud-gateway.ts";
import { createTestDatabase, type DbKind, dbKinds } from "./databases.ts";
import { startWorkersEdge } from "./workers-edge.ts";

export type TargetKind = DbKind | "workers";

/** Node on every database kind, and the Workers build when a Postgres server is there (it has no PGlite). */
export const targetKinds = (): TargetKind[] => [...dbKinds(), ...(process.env.TEST_DATABASE_URL ? (["workers"] as const) : [])];

export interface CloudTarget {
  kind: TargetKind;
  url: string;
  openai: FakeUpstream;
  /** Waits until the usage and conversation writes of past requests have landed. */
  settle(): Promise<void>;
  /** Writes still waiting after settle() (the Node gateway's write queue; none on Workers once settled). */
  backlog(): number;
  stop(): Promise<void>;
}

export async function startCloudTarget(kind: TargetKind, env: Record<string, string>): Promise<CloudTarget> {
  if (kind !== "workers") {
    const db = await createTestDatabase(kind);
    const store = await db.open();
    const gw = await startCloudGateway({ store, env });
    return {
      kind,
      url: gw.url,
      openai: gw.openai,
      settle: async () => {
        await gw.gateway.deps.writes.drain(2_000);
      },
      backlog: () => gw.gateway.deps.writes.backlog,
      async stop() {
        await gw.stop();
        await store.close();
        await db.drop();
      },
    };
  }
  const db = await createTestDatabase("postgres");
  await (await db.open()).close();
  const fakes = await startCloudFakes();
  const edge = await startWorkersEdge({
    bundleDir: inject("edgeBundleDir"),
    natsWsUrl: inject("natsWsUrl"),
    databaseUrl: db.url!,
    prefix: `cw${Math.random().toString(36).slice(2, 8)}`,
    bindings: { ...fakes.env, ...env, NATS_MODE: "per-request" },
  });
  return {
    kind,
    url: edge.url,
    openai: fakes.openai,
    settle: () => edge.settled(),
    backlog: () => 0,
    async stop() {
      await edge.stop();
      await fakes.stop();
      await db.drop();
    },
  };
}
