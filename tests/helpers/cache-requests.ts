/**
 * @module What the response cache suites share: the routes with caches (and one without), and
 * small request and SSE helpers for comparing a hit with the live answer.
 */

export const ADMIN = "admin-token-for-tests";
export const ROUTES = {
  models: [
    { name: "gpt-4o-mini", provider: "openai", cache: { ttlSeconds: 300 } },
    { name: "shared-mini", provider: "openai", model: "gpt-4o-mini", cache: { ttlSeconds: 300, shared: true } },
    { name: "short", provider: "openai", model: "gpt-4o-mini", cache: { ttlSeconds: 1 } },
    { name: "claude-x", provider: "anthropic", cache: { ttlSeconds: 300 } },
    { name: "uncached", provider: "openai", model: "gpt-4o-mini" },
    { name: "instruct", provider: "openai", model: "gpt-3.5-turbo-instruct", cache: { ttlSeconds: 300 } },
  ],
};
/** Every cache activity may sweep, so a test sees expired entries go at once. */
export const ENV = { ADMIN_TOKEN: ADMIN, SWITCHYARD_ROUTES: JSON.stringify(ROUTES), CACHE_SWEEP_INTERVAL_MS: "0" };

export type Json = Record<string, unknown>;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const auth = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});
export const post = (url: string, path: string, body: Json, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
export const chat = (url: string, key: string | undefined, content: string, extra: Json = {}, headers: Record<string, string> = {}) =>
  post(url, "/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content }], ...extra }, { ...auth(key), ...headers });
export const cacheOf = (res: Response) => res.headers.get("x-switchyard-cache");
export const json = async (res: Response): Promise<Json> => (await res.json()) as Json;
export const contentOf = (body: Json) => (body.choices as Array<{ message: { content: string } }>)[0]?.message.content;

/** What differs between two answers by nature (ids, timestamps), left out to compare the rest. */
export const FRESH = new Set(["id", "item_id", "created", "created_at"]);
export function withoutFresh(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutFresh);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !FRESH.has(k)).map(([k, v]) => [k, withoutFresh(v)]));
}

/** An SSE body as its frames: `event` (if any) and the data, parsed unless it is [DONE]. */
export function frames(text: string): Array<{ event: string | undefined; data: unknown }> {
  return text
    .split("\n\n")
    .filter((f) => f.trim().length > 0)
    .map((f) => {
      const lines = f.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice("event: ".length);
      const data = lines.find((l) => l.startsWith("data: "))?.slice("data: ".length) ?? "";
      return { event, data: data === "[DONE]" ? data : withoutFresh(JSON.parse(data)) };
    });
}

/** Limits count per minute: a test that depends on one window starts well inside it. */
export async function awayFromMinuteEnd(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await sleep(60_000 - intoMinute + 200);
}

