/**
 * @module Prefix hashes of a conversation at message boundaries, the same on workers and
 * gateways: hash i stands for messages 0..i (role and content, as they travel in
 * ChatRequest), chained, so one number names a whole prefix. Workers publish the hashes of
 * what each slot's KV cache holds; a gateway hashes a request's messages and looks for its
 * longest prefix among them. 52 bits (two FNV-1a lanes): exact in a double, and collisions
 * between a pool's few hundred prefixes are out of reach.
 */

export interface PrefixMessage {
  role: string;
  content: string;
}

/** Most boundaries a slot announces (the latest ones); longer conversations match at their end. */
export const MAX_SLOT_PREFIXES = 128;

function step(seed: number, text: string): number {
  let a = (seed ^ 0x811c9dc5) >>> 0;
  let b = (Math.floor(seed / 0x100000000) ^ 0x01000193 ^ 0x5bd1e995) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 ^ 0x2f) >>> 0;
  }
  return (b & 0xfffff) * 0x100000000 + a;
}

/** hashes[i] names messages 0..i. */
export function prefixHashes(messages: readonly PrefixMessage[]): number[] {
  const out: number[] = [];
  let h = 0;
  for (const m of messages) {
    h = step(h, `${m.role}\u0000${m.content}\u0001`);
    out.push(h);
  }
  return out;
}

/** Characters of content through each boundary: how much a match at i is worth. */
export function prefixWeights(messages: readonly PrefixMessage[]): number[] {
  let n = 0;
  return messages.map((m) => {
    n += m.content.length;
    return n;
  });
}
