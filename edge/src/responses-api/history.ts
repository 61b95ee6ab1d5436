/**
 * @module The history behind previous_response_id: each earlier response's input items and
 * output items, oldest first, read back from the Store (the caller's own responses only).
 */
import { notFound } from "@switchyard/shared/errors";
import { z } from "zod";
import type { Store } from "../store/store.ts";
import type { InputItem } from "./responses-request.ts";

/** A chain longer than this is cut (its oldest part dropped), never walked forever. */
const MAX_CHAIN = 1_000;

const StoredItem = z.object({ type: z.string() }).loose();

export async function responseHistory(store: Store, previousId: string, keyId: string | null): Promise<InputItem[]> {
  const turns: InputItem[][] = [];
  let id: string | null = previousId;
  for (let depth = 0; id !== null && depth < MAX_CHAIN; depth++) {
    const stored = await store.getResponse(id, keyId);
    if (!stored) {
      // The response asked for must exist; an ancestor deleted since ends the history there.
      if (depth === 0) throw notFound(`No response with id '${previousId}' was found.`, "previous_response_id");
      break;
    }
    const output = z.array(StoredItem).parse((stored.body as { output?: unknown }).output ?? []);
    turns.unshift([...(z.array(StoredItem).parse(stored.input) as InputItem[]), ...(output.filter((o) => o.type === "message" || o.type === "function_call") as InputItem[])]);
    id = stored.previousResponseId;
  }
  return turns.flat();
}
