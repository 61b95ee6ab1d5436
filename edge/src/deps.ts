/** @module What the gateway app is built from: chosen at the program's edge, passed in. */
import type { Bus } from "@switchyard/shared/bus/bus";
import type { Subjects } from "@switchyard/shared/bus/subjects";
import type { WorkerRegistry } from "@switchyard/shared/registry/worker-registry";
import type { Logger } from "@switchyard/shared/log";
import type { Access } from "./auth/access.ts";
import type { ResponseCache } from "./cache/response-cache.ts";
import type { KeyHasher } from "./auth/api-key.ts";
import type { GatewayConfig } from "./config.ts";
import type { InFlight } from "./handlers/in-flight.ts";
import type { Limiter } from "./limits/limiter.ts";
import type { GatewayMetrics } from "./metrics/gateway-metrics.ts";
import type { PoolDispatcher } from "./pool/pool-dispatcher.ts";
import type { LocalSpeech } from "./providers/local-speech.ts";
import type { Provider } from "./providers/provider.ts";
import type { ModelRouter } from "./routing/resolve-target.ts";
import type { Batcher } from "./store/batcher.ts";
import type { Store, UsageRow } from "./store/store.ts";
import type { WriteQueue } from "./store/write-queue.ts";

export interface GatewayDeps {
  config: GatewayConfig;
  bus: Bus;
  subjects: Subjects;
  /** The live workers (gpu-node and tts-node), from their statuses. */
  registry: WorkerRegistry;
  /** Dispatch and queues of the gpu-node pool. */
  pool: PoolDispatcher;
  metrics: GatewayMetrics;
  providers: Provider[];
  /** Model name → the targets to try, in order. */
  router: ModelRouter;
  store: Store;
  /** Speech from the tts-node pool. */
  speech: LocalSpeech;
  /** Usage and conversation writes, retried until the database takes them. */
  writes: WriteQueue;
  /** Chat calls not yet accounted for (stop waits for them before draining writes). */
  inFlight: InFlight;
  /** The exact response cache (used on routes that configure one). */
  responseCache: ResponseCache;
  /** Usage rows, written in batches. */
  usage: Batcher<UsageRow>;
  access: Access;
  hasher: KeyHasher;
  limiter: Limiter;
  /** Bearer token of the admin API; unset disables it. */
  /** Whether the app gzips the chat page itself (Node), or leaves it to the runtime (Workers). */
  compressPage: boolean;
  adminToken: string | undefined;
  log: Logger;
}
