/** @module Durations and byte sizes as operators and clients write them ("5m", "30s", "2GiB"). */

const DURATION = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Keep-alive the way Ollama reads it: a number is seconds, a string may carry a unit
 * (ms, s, m, h; none means seconds). Any negative value means forever (-1); 0 means at once.
 * Returns undefined for anything else.
 */
export function parseKeepAlive(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    ms = value * 1000;
  } else if (typeof value === "string") {
    const m = DURATION.exec(value.trim());
    if (!m) return undefined;
    ms = Number(m[1]) * DURATION_MS[m[2] ?? "s"]!;
  } else return undefined;
  return ms < 0 ? -1 : Math.round(ms);
}

const BYTES = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?$/i;
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "2GiB", "512MB", "1048576" → bytes; undefined when it is not a size. */
export function parseBytes(value: string): number | undefined {
  const m = BYTES.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * BYTE_UNITS[(m[2] ?? "b").toLowerCase()]!);
}
