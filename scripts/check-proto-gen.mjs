/** @module Fails when proto/gen differs from what `buf generate` makes from proto/*.proto now. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const protoDir = new URL("../proto/", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "sy-proto-"));
const list = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? list(p) : [p];
  });
try {
  execFileSync("npx", ["buf", "generate", "-o", tmp], { cwd: protoDir, stdio: "inherit" });
  const fresh = join(tmp, "gen");
  const committed = join(protoDir, "gen");
  const a = list(fresh).map((p) => relative(fresh, p)).sort();
  const b = list(committed).map((p) => relative(committed, p)).sort();
  const stale = [...new Set([...a, ...b])].filter(
    (f) => !a.includes(f) || !b.includes(f) || readFileSync(join(fresh, f), "utf8") !== readFileSync(join(committed, f), "utf8"),
  );
  if (stale.length > 0) {
    console.error(`proto/gen is out of date (${stale.join(", ")}): run npm run proto:gen`);
    process.exit(1);
  }
  console.log(`proto/gen is up to date (${a.length} files)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
