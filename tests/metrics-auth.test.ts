/**
 * /metrics on a gateway exposed beyond loopback: closed without a token, open to
 * METRICS_TOKEN or ADMIN_TOKEN (on loopback it is open, like open mode for keys — see the
 * pool suites, which scrape it without a token).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudGateway, startCloudGateway } from "./helpers/cloud-gateway.ts";
import { parsePrometheusText } from "./helpers/prom-text.ts";

describe("/metrics on an exposed gateway", () => {
  let gw: CloudGateway;
  let url: string;

  beforeAll(async () => {
    gw = await startCloudGateway({ env: { HOST: "0.0.0.0", ADMIN_TOKEN: "admin-secret-token", METRICS_TOKEN: "metrics-secret-token" } });
    url = `http://127.0.0.1:${new URL(gw.url).port}/metrics`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("refuses a scrape without the token, or with a wrong one", async () => {
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("invalid_metrics_token");
    expect((await fetch(url, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
  });

  it("serves Prometheus text to METRICS_TOKEN and to ADMIN_TOKEN", async () => {
    for (const token of ["metrics-secret-token", "admin-secret-token"]) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const samples = parsePrometheusText(await res.text());
      expect(samples.some((s) => s.name === "switchyard_nats_connected")).toBe(true);
    }
  });
});
