/** @module demo-voice/cli — `npm run make-demo-voice -- --out <dir>`: writes the demo tone voice folder. */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_DEMO_VOICE_DIR, writeDemoVoice } from "./write-demo-voice.ts";

const USAGE = `usage: make-demo-voice [--out <dir>] [--sample-rate N]   (default out: ${DEFAULT_DEMO_VOICE_DIR})`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed: { out: string; "sample-rate"?: string | undefined; help: boolean };
try {
  parsed = parseArgs({
    options: {
      out: { type: "string", default: DEFAULT_DEMO_VOICE_DIR },
      "sample-rate": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

if (parsed.help) {
  console.log(USAGE);
  process.exit(0);
}
const rateArg = parsed["sample-rate"];
const sampleRate = rateArg === undefined ? undefined : Number(rateArg);
if (sampleRate !== undefined && !(Number.isInteger(sampleRate) && sampleRate >= 8000 && sampleRate <= 192_000)) {
  fail(`--sample-rate must be an integer in [8000, 192000], got ${rateArg}`);
}

const files = await writeDemoVoice(resolve(parsed.out), sampleRate === undefined ? {} : { sampleRate });
console.log(files.dir);
