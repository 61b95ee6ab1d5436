/**
 * @module One closed-loop load run with autocannon in this process: N connections, each sending
 * the next request as soon as the previous response is complete (for SSE, the whole stream),
 * for a fixed time. Latencies are taken per response from autocannon's `response` event, in
 * fractional ms: its own histogram keeps whole milliseconds, too coarse for sub-ms overhead.
 */
import autocannon from "autocannon";
import { percentile } from "./stats.ts";

export interface LoadSpec {
  url: string;
  body: string;
  /** Extra request headers, e.g. authorization. */
  headers?: Record<string, string>;
  connections: number;
  /** Seconds. */
  duration: number;
  verifyBody: (body: string) => boolean;
}

export interface LoadResult {
  /** Wall seconds from the first request to autocannon's result. */
  wallS: number;
  /** Complete responses, any status. */
  responses: number;
  rps: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Responses whose body failed verifyBody. */
  mismatches: number;
  /** Ascending, ms, one per complete response. */
  latenciesMs: number[];
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const instance = autocannon({
    url: spec.url,
    method: "POST",
    headers: { "content-type": "application/json", ...spec.headers },
    body: spec.body,
    connections: spec.connections,
    duration: spec.duration,
    pipelining: 1,
    timeout: 10,
    verifyBody: spec.verifyBody,
  });
  instance.on("response", (_client, _status, _bytes, ms) => {
    latencies.push(ms);
  });
  const result = await instance;
  const wallS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    wallS,
    responses: latencies.length,
    rps: latencies.length / wallS,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    latenciesMs: latencies,
  };
}

export const latencyAt = (r: Pick<LoadResult, "latenciesMs">, p: number): number => percentile(r.latenciesMs, p);

/** Several runs as one: responses and wall time add up, latencies pool. */
export function poolRuns(runs: readonly LoadResult[]): LoadResult {
  const wallS = runs.reduce((s, r) => s + r.wallS, 0);
  const responses = runs.reduce((s, r) => s + r.responses, 0);
  return {
    wallS,
    responses,
    rps: responses / wallS,
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    timeouts: runs.reduce((s, r) => s + r.timeouts, 0),
    mismatches: runs.reduce((s, r) => s + r.mismatches, 0),
    latenciesMs: runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b),
  };
}
