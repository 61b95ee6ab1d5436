/** @module Model-name globs: `*` matches any run of characters, everything else literally. */

export const isGlob = (pattern: string): boolean => pattern.includes("*");

export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}
