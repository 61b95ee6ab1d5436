/**
 * @module Loaded into the tts-node process by `bench:tts --trace` (`node --import tsx --import
 * this`), before the worker starts. With BENCH_TTS_WORKER_TRACE=1 it wraps NatsBus and
 * sherpa-onnx's OfflineTts prototypes to time-stamp the worker's side of each request, and after
 * each synthesis writes one line to stdout (WORKER_TRACE_PREFIX + JSON [stage, epoch ms][]), in
 * epoch milliseconds (performance.timeOrigin + now()) so the bench can put them on its own clock.
 */
import { performance } from "node:perf_hooks";
import type { BusHandler } from "@switchyard/shared/bus/bus";
import { NatsBus } from "@switchyard/shared/bus/nats-bus";
import sherpa, { type OfflineTts, type TtsAsyncRequest } from "sherpa-onnx-node";
import { WORKER_TRACE_ENV, WORKER_TRACE_PREFIX } from "./tts-trace.ts";

const tracing = process.env[WORKER_TRACE_ENV] === "1";

let marks: Array<[string, number]> = [];
let phase: "idle" | "accepting" | "synthesizing" = "idle";

function mark(stage: string): void {
  if (tracing && !marks.some(([s]) => s === stage)) marks.push([stage, performance.timeOrigin + performance.now()]);
}

const subscribe = NatsBus.prototype.subscribe;
NatsBus.prototype.subscribe = function (this: NatsBus, subject: string, handler: BusHandler, opts?: { queue?: string }) {
  if (!subject.includes(".tts.speak.")) return subscribe.call(this, subject, handler, opts);
  return subscribe.call(
    this,
    subject,
    (msg) => {
      marks = [];
      phase = "accepting";
      mark("worker: speak request received");
      handler(msg);
    },
    opts,
  );
};

const publish = NatsBus.prototype.publish;
NatsBus.prototype.publish = function (this: NatsBus, subject: string, data: Uint8Array, reply?: string) {
  if (subject.startsWith("_INBOX")) {
    if (phase === "accepting") mark("worker: accepted published");
    else if (phase === "synthesizing") mark("worker: first audio chunk published");
  }
  publish.call(this, subject, data, reply);
};

// The package's default export holds the class; its prototype is what every instance uses.
const proto = (sherpa.OfflineTts as unknown as { prototype: OfflineTts }).prototype;
const generateAsync = proto.generateAsync;
proto.generateAsync = function (this: OfflineTts, req: TtsAsyncRequest) {
  phase = "synthesizing";
  mark("worker: generateAsync called");
  const onProgress = req.onProgress;
  const done = generateAsync.call(this, {
    ...req,
    onProgress: onProgress
      ? (info) => {
          if (info.samples.length > 0) mark("worker: first onProgress (samples)");
          return onProgress(info);
        }
      : undefined,
  });
  const report = () => {
    phase = "idle";
    if (tracing) process.stdout.write(`${WORKER_TRACE_PREFIX}${JSON.stringify(marks)}\n`);
  };
  // Registered before the worker's own await, so the line leaves before its "done" chunk.
  done.then(report, report);
  return done;
};
