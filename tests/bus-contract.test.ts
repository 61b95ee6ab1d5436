/** The Bus contract, run against both implementations: what the dispatch code relies on. */
import type { Bus } from "@switchyard/shared/bus/bus";
import { BusNoRespondersError, BusPayloadTooLargeError, BusTimeoutError } from "@switchyard/shared/bus/errors";
import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { startNatsBus } from "@switchyard/shared/bus/nats-node";
import { startNatsWsBus } from "@switchyard/shared/bus/nats-ws";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "./helpers/stack.ts";
import { nodeWsFactory } from "./helpers/ws-factory.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const open = (kind: string): Bus => {
  if (kind === "nats") return startNatsBus({ servers: inject("natsUrl"), name: "contract" });
  // What the Workers edge uses: NATS over the server's WebSocket listener.
  if (kind === "nats-ws") return startNatsWsBus({ servers: inject("natsWsUrl"), name: "contract-ws" }, nodeWsFactory);
  return new InProcessBus();
};

describe.each([{ kind: "in-process" }, { kind: "nats" }, { kind: "nats-ws" }])("Bus contract: $kind", ({ kind }) => {
  let bus: Bus;
  const p = `c${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    bus = open(kind);
    await bus.ready();
  });
  afterAll(async () => {
    await bus.close();
  });

  it("delivers published messages in order to a subscriber", async () => {
    const got: string[] = [];
    const sub = bus.subscribe(`${p}.order`, (m) => got.push(text(m.data)));
    await bus.flush();
    for (let i = 0; i < 100; i++) bus.publish(`${p}.order`, bytes(String(i)));
    await waitFor(() => got.length === 100, 2_000);
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    sub.unsubscribe();
  });

  it("gives each message to one member of a queue group", async () => {
    const counts = [0, 0];
    const subs = [0, 1].map((i) =>
      bus.subscribe(
        `${p}.work`,
        () => {
          counts[i] = (counts[i] ?? 0) + 1;
        },
        { queue: "g" },
      ),
    );
    await bus.flush();
    for (let i = 0; i < 200; i++) bus.publish(`${p}.work`, bytes("x"));
    await waitFor(() => (counts[0] ?? 0) + (counts[1] ?? 0) === 200, 2_000);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    for (const s of subs) s.unsubscribe();
  });

  it("answers requests, and says when nobody listens or nobody answers in time", async () => {
    const sub = bus.subscribe(`${p}.echo`, (m) => {
      if (m.reply) bus.publish(m.reply, bytes(`echo:${text(m.data)}`));
    });
    const silent = bus.subscribe(`${p}.silent`, () => {});
    await bus.flush();
    expect(text((await bus.request(`${p}.echo`, bytes("hi"), { timeoutMs: 1_000 })).data)).toBe("echo:hi");
    await expect(bus.request(`${p}.nobody`, bytes("x"), { timeoutMs: 1_000 })).rejects.toBeInstanceOf(BusNoRespondersError);
    await expect(bus.request(`${p}.silent`, bytes("x"), { timeoutMs: 100 })).rejects.toBeInstanceOf(BusTimeoutError);
    sub.unsubscribe();
    silent.unsubscribe();
  });

  it("refuses a message over the payload limit with a typed error", () => {
    const big = new Uint8Array(bus.maxPayload() + 1);
    expect(() => bus.publish(`${p}.big`, big)).toThrow(BusPayloadTooLargeError);
  });

  it("keeps a KV bucket: watch sees current entries, puts and deletes", async () => {
    const kv = await bus.kv(`${p}_kv`, { ttlMs: 60_000 });
    await kv.put("a", bytes("1"));
    const seen: Array<[string, string | null]> = [];
    const watch = await kv.watch((e) => seen.push([e.key, e.value ? text(e.value) : null]));
    await kv.put("b", bytes("2"));
    await kv.delete("a");
    await waitFor(() => seen.length >= 3, 2_000);
    expect(seen).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["a", null],
    ]);
    watch.stop();
    // Read once, as the Workers edge does: deleted entries are gone.
    const now = (await kv.entries()).map((e) => [e.key, e.value ? text(e.value) : null]);
    expect(now).toEqual([["b", "2"]]);
  });
});
