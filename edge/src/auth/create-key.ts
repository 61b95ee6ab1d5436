/** @module Makes a key: random secret, stored as its hash with a display prefix. Used by the admin API and the CLI. */
import type { ApiKey, NewApiKey, Store } from "../store/store.ts";
import { displayPrefix, generateApiKey, type KeyHasher } from "./api-key.ts";

export async function createApiKey(
  store: Store,
  hasher: KeyHasher,
  fields: Omit<NewApiKey, "id" | "prefix" | "hash">,
): Promise<{ key: string; record: ApiKey }> {
  const key = generateApiKey();
  const record = await store.createKey({ ...fields, id: `key_${crypto.randomUUID().replaceAll("-", "")}`, prefix: displayPrefix(key), hash: await hasher.hash(key) });
  return { key, record };
}
