/**
 * @module The Node build of the gateway: `npm run build:node` bundles `edge/src/main-node.ts`
 * (with the workspace's own packages, TypeScript compiled ahead) into `dist/node/edge.mjs`,
 * run with plain `node`, no tsx. npm packages stay external (native ones must). tsx's loader
 * was ~60 MB of a gateway's resident memory, and its compile the start's longest step.
 * The two files the code finds next to itself come along: the PGlite thread's script and the
 * SQL migrations.
 */
import { cpSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("../", import.meta.url)));

/** Every npm dependency of the workspace (never bundled); @switchyard/* packages are. */
function npmPackages(): string[] {
  const names = new Set<string>();
  for (const dir of [".", "edge", "shared", "drizzle", "proto", "workers/gpu-node", "workers/tts-node"]) {
    const pkg = JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) if (!name.startsWith("@switchyard/")) names.add(name);
  }
  return [...names].flatMap((name) => [name, `${name}/*`]);
}

/** Bundles `entries` (name → entry file, relative to the repository root) into `outdir`. */
export async function buildNode(outdir: string, entries: Record<string, string> = { edge: "edge/src/main-node.ts" }): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: npmPackages(),
    sourcemap: "linked",
    logLevel: "warning",
  });
  // Found through new URL(…, import.meta.url): beside the bundle now.
  cpSync(join(ROOT, "edge/src/store/pglite-thread.mjs"), join(outdir, "pglite-thread.mjs"));
  cpSync(join(ROOT, "drizzle/migrations"), join(outdir, "migrations"), { recursive: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = join(ROOT, "dist/node");
  await buildNode(outdir);
  console.log(`built ${join(outdir, "edge.mjs")}: run it with node (the same settings as npm run edge)`);
}
