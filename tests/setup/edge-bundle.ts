/** @module Vitest global setup: the Workers build of the edge, bundled by wrangler (offline) once for the Workers suites. */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    edgeBundleDir: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "sy-edge-"));
  await promisify(execFile)(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", dir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    maxBuffer: 16 * 1024 * 1024,
  });
  project.provide("edgeBundleDir", dir);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
