/**
 * @module API keys: `sk-sy-` plus 32 random base62 characters, shown once. Stored only as an
 * HMAC-SHA256 under the server secret (WebCrypto, so it runs on Workers too) and compared in
 * constant time.
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const KEY_PREFIX = "sk-sy-";
const BODY_LENGTH = 32;

export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(BODY_LENGTH * 2));
  let body = "";
  // Rejection sampling keeps every character equally likely.
  for (const b of bytes) {
    if (b < 248) body += ALPHABET[b % 62];
    if (body.length === BODY_LENGTH) break;
  }
  while (body.length < BODY_LENGTH) body += ALPHABET[crypto.getRandomValues(new Uint8Array(1))[0]! % 62];
  return `${KEY_PREFIX}${body}`;
}

/** The part kept for display: `sk-sy-AbCd`. */
export const displayPrefix = (key: string): string => key.slice(0, KEY_PREFIX.length + 4);

export const looksLikeApiKey = (value: string): boolean => value.startsWith(KEY_PREFIX) && value.length === KEY_PREFIX.length + BODY_LENGTH;

export class KeyHasher {
  readonly #key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.#key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }

  async hash(apiKey: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.#key, new TextEncoder().encode(apiKey));
    return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
}

/** Compares two strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
