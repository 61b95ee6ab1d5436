/**
 * @module POST /admin/models/{id}/load and /unload: tells workers to load or unload a model
 * now. Load goes to one worker (the body's `worker`, else one that has it loaded already,
 * else the one with the most memory to spare); unload goes to every worker holding it.
 */
import { decodeModelControlReply, encodeModelControl, type WorkerStatus } from "@switchyard/shared/codec/chat-codec";
import { GatewayError, invalidRequest, modelNotFound, serviceUnavailable } from "@switchyard/shared/errors";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";

/** The optional body of load and unload. */
export const ModelControlSchema = z.object({ worker: z.string().min(1).max(200).optional().meta({ description: "The worker to load on (or unload from)." }) }).strict();
export const ModelLoadedSchema = z.object({ object: z.literal("model.load"), model: z.string(), worker: z.string(), state: z.literal("loaded") });
export const ModelUnloadedSchema = z.object({ object: z.literal("model.unload"), model: z.string(), workers: z.array(z.string()), state: z.literal("available") });

async function target(c: Context<AppEnv>): Promise<{ model: string; worker: string | undefined; holders: WorkerStatus[] }> {
  const model = c.req.param("id") ?? "";
  const text = await c.req.text();
  let worker: string | undefined;
  if (text.trim() !== "") {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalidRequest("The body is not valid JSON.", null, "invalid_json");
    }
    const parsed = ModelControlSchema.safeParse(json);
    if (!parsed.success) throw invalidRequest(`Invalid body: ${parsed.error.issues[0]?.message ?? "invalid"}`, "worker", "invalid_value");
    worker = parsed.data.worker;
  }
  const holders = c.get("deps").registry.workers().filter((w) => (w.kind || "llm") === "llm" && w.models.some((m) => m.id === model));
  if (holders.length === 0) throw modelNotFound(model);
  if (worker !== undefined && !holders.some((w) => w.workerId === worker))
    throw new GatewayError(`No live worker '${worker}' serves '${model}'.`, { status: 404, type: "not_found_error", param: "worker", code: "worker_not_found" });
  return { model, worker, holders };
}

async function control(c: Context<AppEnv>, workerId: string, model: string, action: "load" | "unload"): Promise<void> {
  const { bus, subjects, config } = c.get("deps");
  let reply: Awaited<ReturnType<typeof bus.request>>;
  try {
    reply = await bus.request(subjects.workerControl(workerId), encodeModelControl(model, action), { timeoutMs: config.modelLoadTimeoutMs });
  } catch (err) {
    throw new GatewayError(`Worker '${workerId}' did not answer the ${action} of '${model}': ${(err as Error).message}`, { status: 503, type: "server_error", code: "worker_unreachable", cause: err });
  }
  const { error } = decodeModelControlReply(reply.data);
  if (error) throw GatewayError.fromStatus(error.status || 500, error.message, error.code);
}

const stateOf = (w: WorkerStatus, model: string) => w.models.find((m) => m.id === model)?.state ?? "available";

export async function loadModel(c: Context<AppEnv>) {
  const { model, worker, holders } = await target(c);
  const usable = holders.filter((w) => !w.draining && stateOf(w, model) !== "failed");
  const spare = (w: WorkerStatus) => w.memoryBudgetBytes - w.memoryUsedBytes;
  const chosen =
    worker ??
    (usable.find((w) => stateOf(w, model) === "loaded") ?? usable.sort((a, b) => spare(b) - spare(a))[0] ?? holders[0])?.workerId;
  if (!chosen) throw serviceUnavailable(`No worker can load '${model}' now.`, "no_worker_available");
  await control(c, chosen, model, "load");
  return c.json({ object: "model.load" as const, model, worker: chosen, state: "loaded" as const } satisfies z.infer<typeof ModelLoadedSchema>);
}

export async function unloadModel(c: Context<AppEnv>) {
  const { model, worker, holders } = await target(c);
  const workers = worker !== undefined ? [worker] : holders.filter((w) => ["loaded", "loading"].includes(stateOf(w, model))).map((w) => w.workerId);
  for (const w of workers) await control(c, w, model, "unload");
  return c.json({ object: "model.unload" as const, model, workers, state: "available" as const } satisfies z.infer<typeof ModelUnloadedSchema>);
}
