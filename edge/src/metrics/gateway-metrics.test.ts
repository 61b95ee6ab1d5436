import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { afterEach, describe, expect, it } from "vitest";
import { parsePrometheusText, type Sample } from "../../../tests/helpers/prom-text.ts";
import { PoolDispatcher } from "../pool/pool-dispatcher.ts";
import { GatewayMetrics } from "./gateway-metrics.ts";

const buses: InProcessBus[] = [];
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
});

function metrics(): GatewayMetrics {
  const bus = new InProcessBus();
  buses.push(bus);
  const subs = subjects("tm");
  const registry = new WorkerRegistry(bus, subs, { ttlMs: 1_000, log: () => {} });
  return new GatewayMetrics(bus, registry, new PoolDispatcher(registry, subs, { queueMax: 1, queueTimeoutMs: 1_000, log: () => {} }));
}

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;

describe("GatewayMetrics.observe", () => {
  it("counts each call under its model, target and status, with latency, time to first token and tokens", async () => {
    const m = metrics();
    m.observe("gpt-4o-mini", "openai:gpt-4o-mini", 200, 120, 40, 10, 5);
    m.observe("gpt-4o-mini", "openai:gpt-4o-mini", 200, 3_000, null, 7, 0);
    m.observe("gpt-4o-mini", "openai:gpt-4o-mini", 429, 8, null, 0, 0);
    m.observe("tiny", "local:tiny", 200, 60, 20, 3, 9);
    const samples = parsePrometheusText(await m.registry.metrics());
    const openai = { model: "gpt-4o-mini", target: "openai:gpt-4o-mini" };
    expect(value(samples, "switchyard_requests_total", { ...openai, status: "200" })).toBe(2);
    expect(value(samples, "switchyard_requests_total", { ...openai, status: "429" })).toBe(1);
    expect(value(samples, "switchyard_requests_total", { model: "tiny", target: "local:tiny", status: "200" })).toBe(1);
    expect(value(samples, "switchyard_request_duration_seconds_count", openai)).toBe(3);
    expect(value(samples, "switchyard_request_duration_seconds_sum", openai)).toBeCloseTo(3.128, 6);
    expect(value(samples, "switchyard_request_duration_seconds_bucket", { ...openai, le: "0.25" })).toBe(2);
    expect(value(samples, "switchyard_time_to_first_token_seconds_count", openai)).toBe(1);
    expect(value(samples, "switchyard_tokens_total", { ...openai, kind: "prompt" })).toBe(17);
    expect(value(samples, "switchyard_tokens_total", { ...openai, kind: "completion" })).toBe(5);
    expect(value(samples, "switchyard_tokens_total", { model: "tiny", target: "local:tiny", kind: "completion" })).toBe(9);
  });

  it("still counts every call once more model names have been seen than it keeps series for", async () => {
    const m = metrics();
    for (let i = 0; i < 1_100; i++) m.observe(`model-${i}`, "none", 404, 1, null, 0, 0);
    m.observe("model-1099", "none", 404, 1, null, 0, 0);
    m.observe("model-0", "none", 404, 1, null, 0, 0);
    const samples = parsePrometheusText(await m.registry.metrics());
    expect(samples.filter((s) => s.name === "switchyard_requests_total")).toHaveLength(1_100);
    expect(value(samples, "switchyard_requests_total", { model: "model-1099", target: "none", status: "404" })).toBe(2);
    expect(value(samples, "switchyard_requests_total", { model: "model-0", target: "none", status: "404" })).toBe(2);
    expect(value(samples, "switchyard_requests_total", { model: "model-500", target: "none", status: "404" })).toBe(1);
  });
});
