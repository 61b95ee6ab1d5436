/** @module Whether a key's model globs allow a model. */
import { globToRegExp } from "../routing/glob.ts";

export function modelAllowed(globs: string[] | null, model: string): boolean {
  if (globs === null || globs.length === 0) return true;
  return globs.some((g) => globToRegExp(g).test(model));
}
