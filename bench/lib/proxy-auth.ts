/**
 * @module The auth part of `npm run bench:proxy`: the same load on the gateway in open mode
 * ("auth off") and on a second gateway whose store holds an API key ("auth on"), with the checks
 * that auth on really authenticates, and its profile windows.
 */
import { join } from "node:path";
import { checkRejected } from "./proxy-check.ts";
import { BENCH_KEY_LIMITS } from "./proxy-fixture.ts";
import type { Mode } from "./proxy-options.ts";
import type { Target } from "./proxy-report.ts";
import { AUTH_PROCESS } from "./proxy-auth-report.ts";
import { type Bench, type MeasuredWindow, runPart, urlOf, writeWindow } from "./proxy-run.ts";
import { logTail } from "./proxy-setup.ts";

export const AUTH_TARGETS = ["auth-off", "auth-on"] as const;

/** A sample request to a target, checked; its summary. */
export type Sample = (mode: Mode, target: Target, when: string) => Promise<string>;

/** The header line describing the auth-on gateway's key. */
export const AUTH_ON_DESCRIPTION =
  `  auth on: a second gateway, built the same way, whose store holds one API key (models ${BENCH_KEY_LIMITS.models.join(",")}, ` +
  `rpm ${BENCH_KEY_LIMITS.rpm}, tpm ${BENCH_KEY_LIMITS.tpm}, daily and monthly tokens ${BENCH_KEY_LIMITS.dailyTokens}); the load sends it as a Bearer token`;

/**
 * The correctness samples before the load: auth on must really authenticate (no key, or a
 * well-formed wrong one, is turned away) and run the limiter; auth off must answer.
 */
export async function authSamples(b: Bench, sample: Sample, authLog: string): Promise<void> {
  const rejected = async (what: string, headers: Record<string, string>) => {
    const got = await checkRejected(urlOf(b, "auth-on"), headers).catch(async (err: Error) => {
      throw new Error(`the auth-on gateway must answer a request ${what} with 401: ${err.message}${await logTail(authLog)}`);
    });
    console.log(`  json   auth-on  ${what}: ${got} [ok]`);
  };
  await rejected("without a key", {});
  await rejected("with a wrong key", { authorization: `Bearer sk-sy-${"0".repeat(32)}` });
  for (const mode of b.opts.modes) {
    for (const target of AUTH_TARGETS) {
      const what = await sample(mode, target, "before the load");
      if (target === "auth-on" && !what.includes(`of ${BENCH_KEY_LIMITS.rpm}`))
        throw new Error(`the auth-on gateway answered without the key's x-ratelimit-* headers: the limiter did not run (${what})`);
      console.log(`  ${mode.padEnd(6)} ${target.padEnd(8)} ${what}`);
    }
  }
}

/**
 * Auth off vs on, same load: warm-up of each, then rounds of off and on back to back per mode
 * (off, on, on, off, ...), then one connection each. Returns the measured window.
 */
export function authPart(b: Bench): Promise<MeasuredWindow> {
  // After the proxy part the auth-off gateway (the same process) is warm already.
  const warm = b.opts.parts.includes("proxy") ? (["auth-on"] as const) : AUTH_TARGETS;
  return runPart(b, {
    pair: AUTH_TARGETS,
    warm,
    rounds: b.opts.authRounds,
    duration: b.opts.authDuration,
    headings: {
      warmup: `auth warm-up${warm.length === 1 ? " (auth on only: auth off is the proxy part's gateway, warm already)" : ""}`,
      rounds: "auth measured rounds",
      probe: "auth, 1 connection",
    },
  });
}

/**
 * Writes one profile window per auth side; returns the commands that read them. The auth-off
 * runs' gateway idles while auth on runs and the other way round: idle samples do not count per request.
 */
export async function writeAuthWindows(
  cpuProfDir: string,
  window: MeasuredWindow,
  variants: (what: string) => string[],
  requests: (target: Target) => number,
): Promise<string[]> {
  const commands: string[] = [];
  for (const target of AUTH_TARGETS) {
    const file = `${target}.window.json`;
    await writeWindow(cpuProfDir, file, window.startUs, window.endUs, variants(target), requests(target));
    commands.push(`${target}: npx tsx bench/cpuprofile-top.ts ${join(cpuProfDir, AUTH_PROCESS[target])} --window ${join(cpuProfDir, file)}`);
  }
  return commands;
}
