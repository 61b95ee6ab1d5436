import { InProcessBus } from "@switchyard/shared/bus/in-process-bus";
import { subjects } from "@switchyard/shared/bus/subjects";
import { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import { afterEach, describe, expect, it } from "vitest";
import { parsePrometheusText, type Sample } from "../../../tests/helpers/prom-text.ts";
import { PoolDispatcher } from "../pool/pool-dispatcher.ts";
import { GatewayMetrics, OVERFLOW_LABEL, UNKNOWN_MODEL_LABEL } from "./gateway-metrics.ts";

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

  it("counts names nothing serves (404, no target) under one (unknown) series, not one each", async () => {
    const m = metrics();
    for (let i = 0; i < 300; i++) m.observe(`made-up-${i}`, "none", 404, 1, null, 0, 0);
    m.observe("gpt-4o-mini", "none", 502, 30, null, 0, 0);
    const samples = parsePrometheusText(await m.registry.metrics());
    const requests = samples.filter((s) => s.name === "switchyard_requests_total");
    expect(requests).toHaveLength(2);
    expect(value(samples, "switchyard_requests_total", { model: UNKNOWN_MODEL_LABEL, target: "none", status: "404" })).toBe(300);
    // A name that resolved but whose targets all failed keeps its own label: that is an outage to see.
    expect(value(samples, "switchyard_requests_total", { model: "gpt-4o-mini", target: "none", status: "502" })).toBe(1);
    expect(value(samples, "switchyard_request_duration_seconds_count", { model: UNKNOWN_MODEL_LABEL, target: "none" })).toBe(300);
  });

  it("past 1,000 model names, counts new ones (and their targets) as (other), still every call once", async () => {
    const m = metrics();
    for (let i = 0; i < 1_000; i++) m.observe(`route/m-${i}`, `openai:m-${i}`, 200, 1, 1, 1, 1);
    for (let i = 1_000; i < 1_500; i++) m.observe(`route/m-${i}`, `openai:m-${i}`, 200, 1, 1, 1, 1);
    m.observe("route/m-0", "openai:m-0", 200, 1, 1, 1, 1);
    m.observe("route/m-999", "none", 503, 1, null, 0, 0);
    for (let i = 0; i < 5; i++) m.observeCache(`route/m-${1_000 + i}`, "miss");
    m.observeCache("route/m-3", "hit");
    const samples = parsePrometheusText(await m.registry.metrics());
    const requests = samples.filter((s) => s.name === "switchyard_requests_total");
    expect(requests).toHaveLength(1_002);
    expect(requests.reduce((n, s) => n + s.value, 0)).toBe(1_502);
    expect(value(samples, "switchyard_requests_total", { model: OVERFLOW_LABEL, target: OVERFLOW_LABEL, status: "200" })).toBe(500);
    expect(value(samples, "switchyard_requests_total", { model: "route/m-0", target: "openai:m-0", status: "200" })).toBe(2);
    expect(value(samples, "switchyard_requests_total", { model: "route/m-999", target: "none", status: "503" })).toBe(1);
    expect(value(samples, "switchyard_tokens_total", { model: OVERFLOW_LABEL, target: OVERFLOW_LABEL, kind: "completion" })).toBe(500);
    expect(value(samples, "switchyard_cache_requests_total", { model: OVERFLOW_LABEL, result: "miss" })).toBe(5);
    expect(value(samples, "switchyard_cache_requests_total", { model: "route/m-3", result: "hit" })).toBe(1);
  });
});
