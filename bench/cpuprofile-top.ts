/**
 * @module `npx tsx bench/cpuprofile-top.ts DIR [--top N]`: summarises the .cpuprofile files that
 * `bench:local --cpu-prof DIR` wrote, cut to the measured window: self time by package and by
 * function, and inclusive time by function (optionally only those matching --match), in ms and
 * in µs per generated token. The window is DIR/window.json unless --window names another file
 * (bench:proxy writes one per part and gateway: the same profile, other runs).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type CpuProfile, categoryOf, summarizeProfile } from "./lib/cpuprofile.ts";
import { type ProfileWindow, WINDOW_FILE } from "./lib/profiling.ts";

const { values, positionals } = parseArgs({
  options: { top: { type: "string" }, match: { type: "string" }, window: { type: "string" } },
  allowPositionals: true,
});
const dir = positionals[0];
if (!dir) {
  console.error("usage: npx tsx bench/cpuprofile-top.ts DIR [--top N] [--match REGEX] [--window FILE]");
  process.exit(2);
}
const top = Number(values.top ?? 25);
// Inclusive rows to show: by default everything; --match "/work/" keeps the project's own functions.
const match = values.match ? new RegExp(values.match) : undefined;
const window = JSON.parse(await readFile(values.window ?? join(dir, WINDOW_FILE), "utf8")) as ProfileWindow;
// bench:local counts tokens, bench:proxy requests.
const unit = window.unit ?? "tok";
console.log(
  `window ${((window.endUs - window.startUs) / 1000).toFixed(0)} ms, variants ${window.variants.join(", ")}, ${window.tokens} ${unit === "tok" ? "tokens" : unit}` +
    (window.variants.length > 1 ? " (per-token figures mix variants: profile one gateway variant at a time)" : ""),
);

const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".cpuprofile")).sort();
for (const file of files) {
  const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
  const s = summarizeProfile(profile, window);
  const perToken = (us: number) => (window.tokens > 0 ? (us / window.tokens).toFixed(1) : "-");
  const row = (us: number, label: string) => `  ${(us / 1000).toFixed(1).padStart(8)} ms ${perToken(us).padStart(7)} µs/${unit}  ${label}`;
  console.log(`\n== ${file}: ${(s.totalUs / 1000).toFixed(0)} ms sampled in the window, ${(s.busyUs / 1000).toFixed(0)} ms not idle`);
  console.log(" self time by package:");
  for (const [cat, us] of s.selfByCategory.slice(0, top)) console.log(row(us, cat));
  console.log(" self time by owner (node internals and natives charged to the nearest package or project file that called them):");
  for (const [owner, us] of s.selfByOwner.slice(0, top)) console.log(row(us, owner));
  console.log(" self time by function:");
  for (const [fn, us] of s.selfByFunction.slice(0, top)) console.log(row(us, `${fn}  [${categoryOf(fn)}]`));
  console.log(" inclusive time by function (each function once per sample):");
  const inclusive = match ? s.inclusiveByFunction.filter(([fn]) => match.test(fn)) : s.inclusiveByFunction;
  for (const [fn, us] of inclusive.slice(0, top)) console.log(row(us, fn));
}
