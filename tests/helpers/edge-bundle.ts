/** @module Builds the Workers bundle of the edge with wrangler, offline (`wrangler deploy --dry-run --outdir`). */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");

export async function buildEdgeBundle(outdir: string): Promise<string> {
  await promisify(execFile)(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return outdir;
}
