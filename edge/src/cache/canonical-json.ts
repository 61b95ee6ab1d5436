/**
 * @module JSON with object keys sorted at every depth, so equal values give equal text whatever
 * order a client wrote them in: the input of the response cache's key.
 */

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    // As JSON.stringify does: an undefined member is no member, so `{a: undefined}` equals `{}`.
    if (v !== undefined) sorted[k] = sortKeys(v);
  }
  return sorted;
}
