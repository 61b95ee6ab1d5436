/** The part of autocannon@8 (which ships no types) that the benches use. */
declare module "autocannon" {
  namespace autocannon {
    interface Options {
      url: string;
      method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Concurrent connections, each with one request in flight (pipelining 1). */
      connections?: number;
      /** Seconds. */
      duration?: number;
      pipelining?: number;
      /** Seconds to wait for a response before it counts as a timeout (and an error). */
      timeout?: number;
      /** A response whose body this rejects counts as a mismatch. */
      verifyBody?: (body: string) => boolean;
      title?: string;
    }

    /** hdr-histogram-percentiles-obj: latency in whole ms, requests and throughput per second. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      title?: string;
      url: string;
      latency: Histogram;
      requests: Histogram;
      throughput: Histogram;
      /** Seconds. */
      duration: number;
      /** Connection errors, timeouts included. */
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      resets: number;
      statusCodeStats: Record<string, { count: number }>;
      start: Date;
      finish: Date;
      connections: number;
      pipelining: number;
    }

    /** One connection's request loop. */
    interface Client {
      readonly opts: { hostname: string; port: number };
    }

    /** What autocannon(opts) returns without a callback: an event emitter that is also a promise of the result. */
    interface Instance extends PromiseLike<Result> {
      stop(): void;
      /** A complete response; responseTime in ms (fractional, from process.hrtime). */
      on(event: "response", listener: (client: Client, statusCode: number, resBytes: number, responseTime: number) => void): this;
      on(event: "reqError", listener: (err: Error) => void): this;
      on(event: "reqMismatch", listener: (body: string) => void): this;
      on(event: "start", listener: () => void): this;
      on(event: "done", listener: (result: Result) => void): this;
    }
  }

  function autocannon(opts: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
