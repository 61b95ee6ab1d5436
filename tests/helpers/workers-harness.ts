/**
 * @module A test harness around the Workers bundle (a module of its own beside worker.js,
 * never part of the deployed build): it passes each request a ctx whose waitUntil promises it
 * counts, and answers GET /__settled once all of them have ended, so a test can wait for the
 * writes a Worker makes after its response (what `writes.drain()` is on a Node gateway).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

const HARNESS = `import edge from "./worker.js";
export { NatsHub } from "./worker.js";
let pending = 0;
export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__settled") {
      while (pending > 0) await new Promise((r) => setTimeout(r, 5));
      return new Response("settled");
    }
    const tracked = {
      waitUntil(promise) {
        pending += 1;
        ctx.waitUntil(Promise.resolve(promise).finally(() => { pending -= 1; }));
      },
      passThroughOnException() {},
    };
    return edge.fetch(request, env, tracked);
  },
};
`;

/** Writes the harness into the bundle folder; returns its file name (Miniflare's main module). */
export async function writeHarness(bundleDir: string): Promise<string> {
  const path = join(bundleDir, "test-harness.mjs");
  await writeFile(path, HARNESS);
  return path;
}
