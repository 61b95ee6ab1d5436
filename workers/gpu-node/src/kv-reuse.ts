/**
 * @module KV-cache reuse on one context sequence, as llama-server does per slot: a sequence
 * keeps its evaluated tokens after a request; the next request takes the free sequence that
 * shares the longest prefix with its prompt (SlotPool.acquireBest), and only the tokens past
 * that prefix are evaluated. Erasing the unshared tail takes the context's lock, which waits
 * for at most the decode batch in flight.
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * Shorter shared prefixes count as none: every prompt of a chat template shares its first few
 * tokens (`<|im_start|>user\n`), and a slot holding a conversation should not be given up to
 * save those. An unrelated prompt takes the least recently used slot and reports 0 cached.
 */
export const MIN_REUSE_TOKENS = 16;

/**
 * Tokens of `prompt` already in the sequence's cache. At least one prompt token is always
 * evaluated: its logits are what the first reply token is sampled from.
 */
export function sharedPrefix(sequence: LlamaContextSequence, prompt: readonly Token[]): number {
  if (prompt.length === 0 || sequence.contextTokens.length === 0) return 0;
  const shared = Math.min(sequence.compareContextTokens(prompt as Token[]).firstDifferentIndex, prompt.length - 1);
  return shared >= MIN_REUSE_TOKENS ? shared : 0;
}

/** Erases what the prompt does not share (all of it without reuse); returns the tokens kept. */
export async function alignToPrompt(sequence: LlamaContextSequence, prompt: readonly Token[], reuse: boolean): Promise<number> {
  const keep = reuse ? sharedPrefix(sequence, prompt) : 0;
  if (keep < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  return keep;
}
