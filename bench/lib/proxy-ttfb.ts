/**
 * @module Time to first byte of a stream, one connection, no load: sequential requests, the
 * time from sending each to the first byte of its body (the first SSE event), direct and
 * through the gateway in alternation, so drift hits both alike.
 */
import http from "node:http";
import { requestBody } from "./proxy-fixture.ts";
import { percentile } from "./stats.ts";

function firstByteMs(agent: http.Agent, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = Number.NaN;
    const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      res.once("data", () => {
        first = performance.now() - started;
      });
      res.on("end", () => (Number.isNaN(first) ? reject(new Error(`no body from ${url}`)) : resolve(first)));
      res.resume();
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface TtfbResult {
  direct: number[];
  gateway: number[];
}

export async function measureTtfb(directUrl: string, gatewayUrl: string, requests: number): Promise<TtfbResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = requestBody(true);
  const out: TtfbResult = { direct: [], gateway: [] };
  // Warm both paths first.
  for (let i = 0; i < 20; i++) {
    await firstByteMs(agent, directUrl, body);
    await firstByteMs(agent, gatewayUrl, body);
  }
  for (let i = 0; i < requests; i++) {
    out.direct.push(await firstByteMs(agent, directUrl, body));
    out.gateway.push(await firstByteMs(agent, gatewayUrl, body));
  }
  agent.destroy();
  out.direct.sort((a, b) => a - b);
  out.gateway.sort((a, b) => a - b);
  return out;
}

/** Goal of #13: the gateway adds at most this much to a stream's first byte (p50). */
const ADDED_GOAL_MS = 1;

export function printTtfb(r: TtfbResult): void {
  const d = percentile(r.direct, 0.5);
  const g = percentile(r.gateway, 0.5);
  const d99 = percentile(r.direct, 0.99);
  const g99 = percentile(r.gateway, 0.99);
  console.log(`\nstream time to first byte: 1 connection, ${r.direct.length} requests per target, alternating`);
  console.log(`  direct p50 ${d.toFixed(2)} ms / p99 ${d99.toFixed(2)} ms   gateway p50 ${g.toFixed(2)} ms / p99 ${g99.toFixed(2)} ms   added p50 +${(g - d).toFixed(2)} ms`);
  console.log(`  goal: added p50 +${(g - d).toFixed(2)} ms <= ${ADDED_GOAL_MS} ms [${g - d <= ADDED_GOAL_MS ? "ok" : "MISSED"}]`);
}
