/** @module Whether a key's model globs allow a model. */
import { globToRegExp } from "../routing/glob.ts";

/** Compiled once per glob: this runs on every request of a key with model limits. */
const compiled = new Map<string, RegExp>();

function regExpOf(glob: string): RegExp {
  let re = compiled.get(glob);
  if (!re) {
    if (compiled.size > 10_000) compiled.clear();
    re = globToRegExp(glob);
    compiled.set(glob, re);
  }
  return re;
}

export function modelAllowed(globs: string[] | null, model: string): boolean {
  if (globs === null || globs.length === 0) return true;
  return globs.some((g) => regExpOf(g).test(model));
}
