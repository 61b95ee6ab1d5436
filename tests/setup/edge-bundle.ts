/** @module Vitest global setup: the Workers build of the edge, bundled by wrangler (offline) once for the Workers suites. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildEdgeBundle } from "../helpers/edge-bundle.ts";

declare module "vitest" {
  export interface ProvidedContext {
    edgeBundleDir: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await buildEdgeBundle(await mkdtemp(join(tmpdir(), "sy-edge-")));
  project.provide("edgeBundleDir", dir);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
