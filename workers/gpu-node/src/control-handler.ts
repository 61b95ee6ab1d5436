/** @module Answers ModelControl requests on a worker's control subject: load or unload a model now. */
import type { Bus, BusMsg } from "@switchyard/shared/bus/bus";
import { decodeModelControl, encodeModelControlReply } from "@switchyard/shared/codec/chat-codec";
import { type ModelCatalog, ModelError } from "./model-catalog.ts";

export async function handleControl(bus: Bus, catalog: ModelCatalog, msg: BusMsg, draining: () => boolean, log: (m: string) => void): Promise<void> {
  if (!msg.reply) return;
  let error: { code: string; message: string; status: number } | undefined;
  try {
    const control = decodeModelControl(msg.data);
    if (control.action === "load") {
      if (draining()) throw new ModelError(503, "worker_draining", "This worker is shutting down.");
      await catalog.load(control.model);
    } else if (control.action === "unload") await catalog.unload(control.model, "admin", "unloaded through the admin API");
    else throw new ModelError(400, "invalid_action", `Unknown action '${control.action}': use load or unload.`);
  } catch (err) {
    const e = err instanceof ModelError ? err : new ModelError(500, "internal_error", (err as Error).message);
    error = { code: e.code, message: e.message, status: e.status };
  }
  try {
    bus.publish(msg.reply, encodeModelControlReply(error ? { error } : {}));
  } catch (err) {
    log(`control reply failed: ${(err as Error).message}`);
  }
}
