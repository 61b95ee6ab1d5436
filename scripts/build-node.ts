/**
 * @module The Node build of the gateway: `npm run build:node` bundles `edge/src/main-node.ts`,
 * with the workspace's own packages and the npm packages it imports, into one file,
 * `dist/node/edge.mjs`, run with plain `node`, no tsx. tsx's loader was ~60 MB of a gateway's
 * resident memory, and its compile the start's longest step.
 *
 * npm packages are bundled too, whitespace-minified: the unbundled build loaded ~470 ESM
 * modules (zod's ~50 locales among them) whose records, sources and per-module scopes were
 * ~20 MB of an idle gateway's 96 MB (`bench:proxy --only memory`, see bench/proxy-changes.md).
 * Identifiers are kept, so stack traces still name functions; `node --enable-source-maps`
 * maps them back to the sources through the linked source map.
 *
 * What stays external, resolved from node_modules at run time: native addons and packages
 * that find files beside their own (PGlite's wasm, node-llama-cpp, sherpa-onnx, pg-native,
 * ws's optional addons), and `@anthropic-ai/sdk`, which the gateway imports only on the
 * Anthropic provider's first call. The two files the code finds next to itself come along:
 * the PGlite thread's script and the SQL migrations.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("../", import.meta.url)));

const EXTERNAL = ["@electric-sql/pglite", "node-llama-cpp", "sherpa-onnx-node", "pg-native", "ws", "@anthropic-ai/sdk"].flatMap((name) => [name, `${name}/*`]);

/**
 * CommonJS packages (pg, prom-client) call `require` for node's own modules and for the
 * externals above; an ES module has none, so the bundle makes one.
 */
const REQUIRE_BANNER = "import { createRequire as __switchyardCreateRequire } from 'node:module'; const require = __switchyardCreateRequire(import.meta.url);";

/**
 * V8 keeps a module's source as one string, two bytes a character if any character is past
 * Latin-1. esbuild escapes strings but not regular expression literals (nats.js has a `µs` in
 * one), so whatever a dependency brings is escaped here, to keep the source one byte a
 * character: `\uXXXX` means the same character in a string, a template, a regular expression
 * or a name. Source map columns after it on its line shift.
 */
function asciiOnly(file: string): void {
  const code = readFileSync(file, "utf8");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is what is kept
  const escaped = code.replace(/[^\u0000-\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (escaped !== code) writeFileSync(file, escaped);
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
    external: EXTERNAL,
    banner: { js: REQUIRE_BANNER },
    // Whitespace and syntax only: a smaller source for V8 to keep, names left as they are.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    logLevel: "warning",
  });
  for (const name of Object.keys(entries)) asciiOnly(join(outdir, `${name}.mjs`));
  // Found through new URL(…, import.meta.url): beside the bundle now.
  cpSync(join(ROOT, "edge/src/store/pglite-thread.mjs"), join(outdir, "pglite-thread.mjs"));
  cpSync(join(ROOT, "drizzle/migrations"), join(outdir, "migrations"), { recursive: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = join(ROOT, "dist/node");
  await buildNode(outdir);
  console.log(`built ${join(outdir, "edge.mjs")}: run it with node (the same settings as npm run edge)`);
}
