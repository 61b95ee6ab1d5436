/** @module Value parsers shared by the benches' option parsers (flags, falling back to environment variables). */

/** An integer >= min; `fallback` when not given. */
export function int(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

/** A comma list: items trimmed, empty ones dropped. */
export function commaList(raw: string): string[] {
  return raw
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Throws on the first item not in `known`: "unknown <what> <item><context>; known: ...". */
export function assertKnown<T extends string>(items: string[], known: readonly T[], what: string, context = ""): asserts items is T[] {
  for (const v of items) if (!(known as readonly string[]).includes(v)) throw new Error(`unknown ${what} ${v}${context}; known: ${known.join(", ")}`);
}
