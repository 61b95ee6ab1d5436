/**
 * @module `bench:tts --trace`: where a gateway request's time to first audio goes. Marks the
 * first time each stage is seen during a run, on this process's clock, by observing the project's
 * objects from outside (no source changes): Node's http server diagnostics channel, the
 * gateway's Bus instance (and, for the embedded stack, the tts-node's Bus and engine, which live
 * in this process too), and the client. Requests run one at a time, so "the first X since the
 * run began" is this request's X.
 */
import { subscribe } from "node:diagnostics_channel";
import { performance } from "node:perf_hooks";
import type { Bus, BusHandler, BusMsg } from "@switchyard/shared/bus/bus";
import type { Gateway } from "../../edge/src/gateway.ts";
import type { OfflineTts, TtsAsyncRequest } from "sherpa-onnx-node";
import { percentileOf } from "./stats.ts";

/** Lines the tts-node process writes under --trace (bench/lib/tts-worker-probe.ts) start with this. */
export const WORKER_TRACE_PREFIX = "@@bench-tts-trace ";
/** Set to "1" in the tts-node process's environment to have tts-worker-probe.ts report its side of each request. */
export const WORKER_TRACE_ENV = "BENCH_TTS_WORKER_TRACE";

/** One request's worker-side stages from the tts-node process: [stage, epoch ms]. */
export type WorkerReport = Array<[string, number]>;

export class StageTrace {
  #start = Number.NaN;
  #marks = new Map<string, number>();
  /** The stream inbox the gateway subscribed for the current request (the first inbox subscribed since begin). */
  streamSubject: string | undefined;
  /** Stage offsets from the start of each finished run, per "variant/text". */
  readonly runs = new Map<string, Array<Map<string, number>>>();
  /** GET /health round trips per gateway variant (the HTTP floor), measured rounds only. */
  readonly floors = new Map<string, number[]>();

  addFloor(variant: string, ms: number): void {
    this.floors.set(variant, [...(this.floors.get(variant) ?? []), ms]);
  }

  get active(): boolean {
    return !Number.isNaN(this.#start);
  }

  begin(start: number): void {
    this.#start = start;
    this.#marks = new Map();
    this.streamSubject = undefined;
  }

  /** Records the first time a stage is reached in the current run. */
  mark(stage: string, at = performance.now()): void {
    if (!this.active || this.#marks.has(stage)) return;
    this.#marks.set(stage, at);
  }

  /** Ends the current run, keeping its stages under `key` ("variant/text"), or dropping them (warm-up) without one. */
  end(key: string | undefined): void {
    if (!this.active) return;
    if (key === undefined) {
      this.#start = Number.NaN;
      return;
    }
    const offsets = new Map<string, number>();
    for (const [stage, at] of this.#marks) offsets.set(stage, at - this.#start);
    const list = this.runs.get(key) ?? [];
    list.push(offsets);
    this.runs.set(key, list);
    this.#start = Number.NaN;
  }
}

/** Puts a tts-node process's stages (epoch ms) on this process's clock, into the current run. */
export function markWorkerReport(trace: StageTrace, report: WorkerReport): void {
  for (const [stage, epochMs] of report) trace.mark(stage, epochMs - performance.timeOrigin);
}

/** The gateway's http server got a request's headers (every server in this process; only gateways serve here). */
export function traceHttpServer(trace: StageTrace): void {
  subscribe("http.server.request.start", () => trace.mark("gateway: HTTP request parsed"));
}

/** The gateway's own objects: its app reaching the auth middleware, and the speech handler dispatching. */
export function traceGateway(gateway: Gateway, trace: StageTrace): void {
  const { access, speech } = gateway.deps;
  const identify = access.identify.bind(access);
  access.identify = (...args: Parameters<typeof access.identify>) => {
    trace.mark("gateway: auth middleware (app entered)");
    return identify(...args);
  };
  const speak = speech.speak.bind(speech);
  speech.speak = (...args: Parameters<typeof speech.speak>) => {
    trace.mark("gateway: handler calls speak (body read, parsed, admitted)");
    return speak(...args);
  };
}

/**
 * Wraps one Bus instance's request/subscribe/publish. `side` names which stages this bus can
 * see: the gateway's (speak request sent, accepted received, first stream message delivered),
 * and, when the worker shares it (embedded stack), the worker's publishes.
 */
export function traceBus(bus: Bus, trace: StageTrace, sharedWithWorker: boolean): void {
  const request = bus.request.bind(bus);
  const subscribeBus = bus.subscribe.bind(bus);
  const publish = bus.publish.bind(bus);
  bus.request = async (subject: string, data: Uint8Array, opts: { timeoutMs: number }): Promise<BusMsg> => {
    if (!subject.includes(".tts.speak.")) return request(subject, data, opts);
    trace.mark("gateway: speak request sent");
    const reply = await request(subject, data, opts);
    trace.mark("gateway: accepted received");
    return reply;
  };
  bus.subscribe = (subject: string, handler: BusHandler, opts?: { queue?: string }) => {
    // streamedRequest subscribes its stream inbox just before it sends the request.
    if (trace.active && trace.streamSubject === undefined && subject.startsWith("_INBOX")) {
      trace.streamSubject = subject;
      const wrapped: BusHandler = (msg) => {
        trace.mark("gateway: first stream message delivered");
        handler(msg);
        trace.mark("gateway: first stream message handled");
      };
      return subscribeBus(subject, wrapped, opts);
    }
    return subscribeBus(subject, handler, opts);
  };
  if (!sharedWithWorker) return;
  bus.publish = (subject: string, data: Uint8Array, reply?: string) => {
    if (trace.active && subject.startsWith("_INBOX")) {
      if (subject === trace.streamSubject) trace.mark("worker: first audio chunk published");
      else trace.mark("worker: accepted published");
    }
    publish(subject, data, reply);
  };
}

/** The worker's engine (embedded stack only): when synthesis starts and its first batch is back on the JS thread. */
export function traceEngine(tts: OfflineTts, trace: StageTrace): void {
  const generateAsync = tts.generateAsync.bind(tts);
  tts.generateAsync = (req: TtsAsyncRequest) => {
    trace.mark("worker: generateAsync called");
    const onProgress = req.onProgress;
    return generateAsync({
      ...req,
      onProgress: onProgress
        ? (info) => {
            if (info.samples.length > 0) trace.mark("worker: first onProgress (samples)");
            return onProgress(info);
          }
        : undefined,
    });
  };
}

/** Median offset of every stage seen in most runs, in order, with the step from the previous one. */
export function printTrace(trace: StageTrace, texts: string[]): void {
  console.log("\ntrace: median ms from just before fetch to each stage's first occurrence (stages seen in at least half of the runs)");
  for (const [key, runs] of trace.runs) {
    const [variant, text] = key.split("/");
    if (text && !texts.includes(text)) continue;
    const stages = new Map<string, number[]>();
    for (const run of runs) for (const [stage, ms] of run) stages.set(stage, [...(stages.get(stage) ?? []), ms]);
    const rows = [...stages]
      .filter(([, ms]) => ms.length * 2 >= runs.length)
      .map(([stage, ms]) => [stage, percentileOf(ms, 0.5)] as const)
      .sort((a, b) => a[1] - b[1]);
    const floor = trace.floors.get(variant ?? "");
    const floorNote = floor ? `; HTTP floor (fetch GET /health to last byte) p50 ${percentileOf(floor, 0.5).toFixed(2)} ms` : "";
    console.log(`  ${variant} "${text}" (${runs.length} runs${floorNote})`);
    let previous = 0;
    for (const [stage, ms] of rows) {
      console.log(`    ${ms.toFixed(2).padStart(8)} ms  (+${(ms - previous).toFixed(2).padStart(6)})  ${stage}`);
      previous = ms;
    }
  }
}
