/**
 * NATS with credentials and per-role subject permissions, as the README documents them: the
 * gateway and a gpu-node log in with their own users (from NATS_USER / NATS_PASSWORD) and
 * serve a chat and embeddings end to end with nothing more than those permissions, while a publish outside
 * a role's permissions is refused by the server and reaches nobody.
 */
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type TestGateway, startGateway } from "./helpers/gateway.ts";
import { type NatsServer, startNatsServer, stopChild } from "./helpers/nats-server.ts";
import { spawnGpuNode, type WorkerProcess } from "./helpers/processes.ts";
import { postRaw, waitFor } from "./helpers/stack.ts";

const P = "sec";

/** The README's permissions, for prefix `sec` and a worker `w-sec`. */
const AUTH = [
  "authorization {",
  "  users = [",
  `    { user: edge, password: edge-pass, permissions: { publish: ["${P}.llm.>", "${P}.tts.>", "${P}.cancel.>", "_INBOX.>", "$JS.API.>"], subscribe: ["_INBOX.>", "${P}.status.*"] } }`,
  `    { user: worker, password: worker-pass, permissions: { publish: ["_INBOX.>", "${P}.status.w-sec", "$KV.${P}_workers.w-sec", "$JS.API.>"], subscribe: ["${P}.llm.chat.>", "${P}.llm.embed.>", "${P}.llm.worker.w-sec.>", "${P}.tts.speak.>", "${P}.cancel.>", "_INBOX.>"] } }`,
  `    { user: observer, password: observer-pass }`,
  "  ]",
  "}",
];

describe("NATS with credentials and subject permissions", () => {
  let nats: NatsServer;
  let gw: TestGateway;
  let worker: WorkerProcess;

  beforeAll(async () => {
    nats = await startNatsServer({ config: AUTH });
    worker = await spawnGpuNode({ natsUrl: nats.url, modelsDir: inject("modelsDir"), workerId: "w-sec", env: { SY_SUBJECT_PREFIX: P, NATS_USER: "worker", NATS_PASSWORD: "worker-pass" } });
    gw = await startGateway(nats.url, P, { NATS_USER: "edge", NATS_PASSWORD: "edge-pass" });
    await waitFor(() => gw.gateway.registry.workers().length === 1, 10_000, 50);
  });
  afterAll(async () => {
    if (worker) await stopChild(worker.child);
    await gw?.stop();
    await nats?.stop();
  });

  it("serves a chat with only the documented permissions", async () => {
    const r = await postRaw(gw.url, JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 4 }));
    expect(r.status).toBe(200);
    expect(r.headers.get("x-switchyard-worker")).toBe("w-sec");
  });

  it("serves embeddings with the same permissions, on the worker's subject and on the model's queue group", async () => {
    const dispatches: Array<Record<string, string>> = [{}, { SY_DISPATCH: "queue-group" }];
    for (const dispatch of dispatches) {
      const other = await startGateway(nats.url, P, { NATS_USER: "edge", NATS_PASSWORD: "edge-pass", ...dispatch });
      try {
        await waitFor(() => other.gateway.registry.workers().length === 1, 10_000, 50);
        const res = await other.client.embeddings.create({ model: "tiny", input: ["hi", "there"], encoding_format: "float" });
        expect(res.data.map((d) => d.embedding.length)).toEqual([64, 64]);
      } finally {
        await other.stop();
      }
    }
  });

  it("refuses a publish outside the role's permissions: an edge cannot pose as a worker", async () => {
    const observer = await connect({ servers: nats.url, user: "observer", pass: "observer-pass" });
    const seen: string[] = [];
    observer.subscribe(`${P}.status.>`, {
      callback: (_err, msg) => {
        seen.push(msg.subject);
      },
    });
    await observer.flush();
    const edge = await connect({ servers: nats.url, user: "edge", pass: "edge-pass" });
    const errors: string[] = [];
    void (async () => {
      for await (const s of edge.status()) if (s.type === "error") errors.push(String(s.error));
    })();
    edge.publish(`${P}.status.w-fake`, new TextEncoder().encode("not a status"));
    await edge.flush().catch(() => {});
    await waitFor(() => errors.length > 0, 2_000, 10);
    expect(errors[0]).toMatch(/permissions violation/i);
    expect(errors[0]).toContain(`${P}.status.w-fake`);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.filter((s) => s.endsWith("w-fake"))).toEqual([]);
    await edge.close();
    await observer.close();
  });

  it("refuses a wrong password", async () => {
    await expect(connect({ servers: nats.url, user: "edge", pass: "wrong", reconnect: false })).rejects.toThrow(/authorization/i);
  });
});
