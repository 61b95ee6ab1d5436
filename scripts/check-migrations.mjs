/** @module Fails when drizzle/schema.ts has changes that no migration in drizzle/migrations covers. */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";

const dir = new URL("../drizzle/migrations/", import.meta.url).pathname;
const before = new Set(readdirSync(dir));
execFileSync("npx", ["drizzle-kit", "generate", "--name", "check"], { stdio: ["ignore", "ignore", "inherit"] });
const added = readdirSync(dir).filter((f) => !before.has(f));
if (added.length > 0) {
  for (const f of added) rmSync(new URL(f, `file://${dir}`));
  execFileSync("git", ["checkout", "--", "drizzle/migrations/meta"], { stdio: "ignore" });
  console.error(`drizzle/schema.ts changed without a migration: run npm run db:generate (would add ${added.join(", ")})`);
  process.exit(1);
}
console.log("drizzle migrations are up to date");
