/** @module tts-node's Prometheus metrics (its own prom-client registry): syntheses running and cancelled, by outcome. */
import { Counter, Gauge, Registry } from "prom-client";
import type { TtsWorker } from "./tts-worker.ts";

export function ttsMetrics(worker: TtsWorker, workerId: string, busConnected: () => boolean): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: workerId });
  const registers = [registry];
  new Gauge({
    name: "switchyard_tts_active_requests",
    help: "Syntheses running now",
    registers,
    collect() {
      this.set(worker.activeRequests);
    },
  });
  new Counter({
    name: "switchyard_tts_cancelled_total",
    help: "Syntheses stopped by a cancel (the client went away)",
    registers,
    collect() {
      this.reset();
      this.inc(worker.cancelled);
    },
  });
  new Gauge({
    name: "switchyard_tts_nats_connected",
    help: "1 while the bus is connected",
    registers,
    collect() {
      this.set(busConnected() ? 1 : 0);
    },
  });
  return registry;
}
