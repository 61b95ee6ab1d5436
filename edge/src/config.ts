/** @module Gateway settings from the environment, validated with zod (no Node APIs: runs on Workers too). */
import { z } from "zod";
import { DISPATCH_MODES } from "./pool/pick-worker.ts";

/** SEND_TIMEOUT_MS, also read alone by the hub design's front Worker (it parses no other setting). */
export const DEFAULT_SEND_TIMEOUT_MS = 60_000;
export const sendTimeoutMsSchema = z.coerce.number().int().min(0).default(DEFAULT_SEND_TIMEOUT_MS);

export const GatewayConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8787),
  host: z.string().default("127.0.0.1"),
  /** Data folder (PGlite database, secret, demo model); "memory" keeps the database in memory. */
  dataDir: z.string().default("./.switchyard"),
  /** postgres://… of a Postgres server; unset uses PGlite under the data folder. */
  databaseUrl: z.string().optional(),
  natsUrl: z.string().optional(),
  modelsDir: z.string().optional(),
  subjectPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("sy"),
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: z.coerce.number().int().positive().default(4 * 1024 * 1024),
  /** Comma-separated allowed origins, or "*"; empty disables CORS headers. */
  corsOrigins: z.string().default(""),
  /** Overall deadline of one request. */
  requestTimeoutMs: z.coerce.number().int().positive().default(600_000),
  /** How long a worker may take to accept a request. */
  acceptTimeoutMs: z.coerce.number().int().positive().default(5_000),
  /**
   * Workers only: how long one response chunk may wait for the client to take it before the
   * client is taken for gone and the generation cancelled (nginx's send_timeout; 0: never).
   */
  sendTimeoutMs: sendTimeoutMsSchema,
  /** Silence from a worker mid-stream after which it is taken for dead. */
  workerIdleTimeoutMs: z.coerce.number().int().positive().default(5_000),
  /** Path of the routing config file (JSON); unset uses the built-in routes only. */
  configPath: z.string().optional(),
  /** Timeout of one cloud provider call (each retry gets its own). */
  upstreamTimeoutMs: z.coerce.number().int().positive().default(120_000),
  /** Retries of a cloud call on 408/409/429/5xx/connection errors, before any fallback. */
  upstreamMaxRetries: z.coerce.number().int().min(0).max(10).default(2),
  /** Model that writes conversation titles; unset uses the first local model. */
  titleModel: z.string().optional(),
  /** A worker whose status is older than this is forgotten. */
  workerTtlMs: z.coerce.number().int().positive().default(6_000),
  /** How a request picks its gpu-node: prefix (least-loaded with cache affinity), least-loaded, round-robin, or queue-group (NATS picks). */
  dispatch: z.enum(DISPATCH_MODES).default("prefix"),
  /** Times a local stream whose worker dies mid-generation goes on on another worker (0: end it with an error event). */
  resumeAttempts: z.coerce.number().int().min(0).max(5).default(1),
  /** Requests that may wait for a slot, per model (429 beyond). */
  queueMax: z.coerce.number().int().min(0).default(64),
  /** Longest a request waits for a slot (503 after). */
  queueTimeoutMs: z.coerce.number().int().positive().default(30_000),
  /** How long an admin load may take on a worker. */
  modelLoadTimeoutMs: z.coerce.number().int().positive().default(120_000),
  /** Bearer token for /metrics when the gateway is exposed (ADMIN_TOKEN works too). */
  metricsToken: z.string().optional(),
  /** Response cache: entries and bytes its in-memory LRU holds (per gateway, or per Workers isolate). */
  cacheMemoryEntries: z.coerce.number().int().min(0).default(1_000),
  cacheMemoryBytes: z.coerce.number().int().min(0).default(16 * 1024 * 1024),
  /** Response cache: at most how often expired entries are deleted from the table. */
  cacheSweepIntervalMs: z.coerce.number().int().min(0).default(60_000),
});

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export function gatewayConfigFromEnv(env: Record<string, string | undefined>): GatewayConfig {
  const pick = (name: string) => (env[name] === "" ? undefined : env[name]);
  return GatewayConfigSchema.parse({
    port: pick("PORT"),
    host: pick("HOST"),
    dataDir: pick("SWITCHYARD_DATA_DIR"),
    natsUrl: pick("NATS_URL"),
    databaseUrl: pick("DATABASE_URL"),
    modelsDir: pick("MODELS_DIR"),
    subjectPrefix: pick("SY_SUBJECT_PREFIX"),
    maxBodyBytes: pick("MAX_BODY_BYTES"),
    corsOrigins: pick("CORS_ORIGINS"),
    requestTimeoutMs: pick("REQUEST_TIMEOUT_MS"),
    acceptTimeoutMs: pick("ACCEPT_TIMEOUT_MS"),
    workerIdleTimeoutMs: pick("WORKER_IDLE_TIMEOUT_MS"),
    sendTimeoutMs: pick("SEND_TIMEOUT_MS"),
    workerTtlMs: pick("SY_STATUS_TTL_MS"),
    configPath: pick("SWITCHYARD_CONFIG"),
    titleModel: pick("TITLE_MODEL"),
    upstreamTimeoutMs: pick("UPSTREAM_TIMEOUT_MS"),
    upstreamMaxRetries: pick("UPSTREAM_MAX_RETRIES"),
    dispatch: pick("SY_DISPATCH"),
    resumeAttempts: pick("SY_RESUME_ATTEMPTS"),
    queueMax: pick("QUEUE_MAX"),
    queueTimeoutMs: pick("QUEUE_TIMEOUT_MS"),
    modelLoadTimeoutMs: pick("MODEL_LOAD_TIMEOUT_MS"),
    metricsToken: pick("METRICS_TOKEN"),
    cacheMemoryEntries: pick("CACHE_MEMORY_ENTRIES"),
    cacheMemoryBytes: pick("CACHE_MEMORY_BYTES"),
    cacheSweepIntervalMs: pick("CACHE_SWEEP_INTERVAL_MS"),
  });
}
