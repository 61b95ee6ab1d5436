/** @module demo-model/cli — `npm run make-demo-model`: writes the tiny demo GGUF to disk. */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEMO_MODEL_FILE, defaultModelsDir, writeTinyLlamaGguf } from "./tiny-llama.ts";

// The folder `npm start` reads: MODELS_DIR, else $SWITCHYARD_DATA_DIR/models.
const DEFAULT_OUT = join(defaultModelsDir(process.env), DEMO_MODEL_FILE);
const USAGE = `usage: make-demo-model [--out <path>] [--seed N]   (default out: ${DEFAULT_OUT})`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed: { out: string; seed?: string | undefined; help: boolean };
try {
  parsed = parseArgs({
    options: {
      out: { type: "string", default: DEFAULT_OUT },
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
