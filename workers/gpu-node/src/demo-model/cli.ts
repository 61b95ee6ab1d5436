/** @module demo-model/cli — `npm run make-demo-model`: writes the tiny demo GGUF to disk. */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_DEMO_MODEL_PATH, writeTinyLlamaGguf } from "./tiny-llama.ts";

const USAGE = `usage: make-demo-model [--out <path>] [--seed N]   (default out: ${DEFAULT_DEMO_MODEL_PATH})`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed: { out: string; seed?: string | undefined; help: boolean };
try {
  parsed = parseArgs({
    options: {
      out: { type: "string", default: DEFAULT_DEMO_MODEL_PATH },
      seed: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
} catch (error) {
  // parseArgs throws on unknown flags; a usage line beats a stack trace.
  fail(error instanceof Error ? error.message : String(error));
}

if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const seed = parsed.seed === undefined ? undefined : Number(parsed.seed);
if (seed !== undefined && !Number.isSafeInteger(seed)) fail(`--seed must be an integer, got ${parsed.seed}`);

const path = await writeTinyLlamaGguf(resolve(parsed.out), seed === undefined ? {} : { seed });
console.log(path);
