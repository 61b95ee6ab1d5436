/**
 * @module The processes of `bench:scale`, each the project's real entry point: gpu-node workers
 * (`workers/gpu-node/src/main.ts`) and gateways (bench/lib/scale-gateway.ts, what `npm run edge`
 * runs) on one nats-server, sharing one subject prefix so that every gateway sees every worker.
 * Which workers a request may reach is set by its model: worker k serves `pool-k` … `pool-W`, so
 * model `pool-n` is served by exactly workers 1..n, and one set of processes covers 1, 2 and 3
 * workers with runs interleaved.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { freePort } from "../../tests/helpers/free-port.ts";
import { stopChild } from "../../tests/helpers/nats-server.ts";
import { type ChildService, startChildService } from "./child-service.ts";
import { inheritedEnv } from "./inherited-env.ts";
import { spawnWorker } from "./stack-parts.ts";
import { waitForLine } from "./stacks.ts";

/** The model only workers 1..n serve. */
export const poolModel = (n: number): string => `pool-${n}`;
export const poolWorkerId = (k: number): string => `pool-${k}`;

/** One folder per pool worker, each holding copies of the same GGUF under the model ids it serves. */
export async function writePoolModels(root: string, workers: number, gguf: string): Promise<string[]> {
  const dirs: string[] = [];
  for (let k = 1; k <= workers; k++) {
    const dir = join(root, poolWorkerId(k));
    await mkdir(dir, { recursive: true });
    for (let n = k; n <= workers; n++) await copyFile(gguf, join(dir, `${poolModel(n)}.gguf`));
    dirs.push(dir);
  }
  return dirs;
}

export interface Wiring {
  natsUrl: string;
  prefix: string;
  adminToken: string;
}

export interface WorkerProcess {
  id: string;
  pid: number;
  metricsUrl: string;
  stop(): Promise<void>;
}

export async function startGpuNodeProcess(
  bus: Wiring,
  o: { id: string; modelsDir: string; threads: number; slots: number; contextSize: number; env?: Record<string, string> },
): Promise<WorkerProcess> {
  const metricsPort = await freePort();
  const args = ["--models", o.modelsDir, "--worker-id", o.id, "--threads", String(o.threads), "--slots", String(o.slots), "--gpu", "false", "--keep-alive=-1"];
  const env = {
    ...inheritedEnv(),
    NATS_URL: bus.natsUrl,
    SY_SUBJECT_PREFIX: bus.prefix,
    LLAMA_CONTEXT_SIZE: String(o.contextSize),
    METRICS_PORT: String(metricsPort),
    ...o.env,
  };
  const child = spawnWorker(`gpu-node ${o.id}`, [], ["workers/gpu-node/src/main.ts", ...args], env);
  try {
    // Three of these start at once on two cores: tsx and node-llama-cpp take a while.
    await waitForLine(child, "serving ", 90_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  if (child.pid === undefined) throw new Error(`gpu-node ${o.id} has no pid`);
  return { id: o.id, pid: child.pid, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, stop: () => stopChild(child) };
}

export type Dispatch = "prefix" | "least-loaded" | "queue-group";

export function startGatewayProcess(bus: Wiring, dispatch: Dispatch, logFile: string): Promise<ChildService> {
  return startChildService({
    name: `gateway (${dispatch})`,
    entry: "bench/lib/scale-gateway.ts",
    env: {
      ...inheritedEnv(),
      NATS_URL: bus.natsUrl,
      SY_SUBJECT_PREFIX: bus.prefix,
      SY_DISPATCH: dispatch,
      HOST: "127.0.0.1",
      PORT: "0",
      SWITCHYARD_DATA_DIR: "memory",
      ADMIN_TOKEN: bus.adminToken,
    },
    stdoutFile: logFile,
    timeoutMs: 90_000,
  });
}

const WorkersSchema = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      models: z.array(z.object({ id: z.string(), state: z.string(), slots: z.object({ total: z.number(), busy: z.number() }) })),
    }),
  ),
});
export type WorkerViews = z.infer<typeof WorkersSchema>["data"];

export async function adminWorkers(gatewayUrl: string, adminToken: string): Promise<WorkerViews> {
  const res = await fetch(`${gatewayUrl}/admin/workers`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) throw new Error(`GET /admin/workers answered ${res.status}: ${await res.text()}`);
  return WorkersSchema.parse(await res.json()).data;
}

/** Polls the gateway's /admin/workers until `ok` holds for what it lists. */
export async function waitForWorkers(gatewayUrl: string, adminToken: string, what: string, ok: (workers: WorkerViews) => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const workers = await adminWorkers(gatewayUrl, adminToken);
    if (ok(workers)) return;
    if (Date.now() > until) throw new Error(`gateway ${gatewayUrl} did not list ${what} within ${timeoutMs} ms (it lists ${workers.map((w) => w.id).join(", ") || "none"})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The workers that serve `model`, as a gateway sees them. */
export const servingWorkers = (workers: WorkerViews, model: string): string[] => workers.filter((w) => w.models.some((m) => m.id === model)).map((w) => w.id);
