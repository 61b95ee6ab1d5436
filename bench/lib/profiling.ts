/**
 * @module Optional CPU profiling for diagnosis: this process is profiled through the inspector
 * for the measured rounds only, the gpu-node process with --cpu-prof for its whole life; the
 * measured window is written beside them so `bench/cpuprofile-top.ts` can cut both to it.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/** Sampling interval in µs: the default 1 ms is too coarse for a ~250 µs token. */
export const PROFILE_INTERVAL_US = 200;

export const WINDOW_FILE = "window.json";

export interface ProfileWindow {
  /** CLOCK_MONOTONIC µs, the clock V8 stamps its profiles with. */
  startUs: number;
  endUs: number;
  /** What ran in the window, to turn profile time into time per token. */
  variants: string[];
  tokens: number;
  /** What `tokens` counts when it is not tokens, e.g. "req" for bench:proxy's requests. */
  unit?: string;
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Node flags that make the gpu-node process write its profile into dir on exit. */
export const workerProfileArgs = (dir: string): string[] => [
  "--cpu-prof",
  `--cpu-prof-dir=${join(dir, "gpu-node")}`,
  `--cpu-prof-interval=${PROFILE_INTERVAL_US}`,
];

export type StopProfiling = (ran: { variants: string[]; tokens: number }) => Promise<void>;

export async function startProfiling(dir: string): Promise<StopProfiling> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: PROFILE_INTERVAL_US });
  await session.post("Profiler.start");
  const startUs = monotonicUs();
  return async (ran) => {
    const window: ProfileWindow = { startUs, endUs: monotonicUs(), ...ran };
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    await writeFile(join(dir, "bench.cpuprofile"), JSON.stringify(profile));
    await writeFile(join(dir, WINDOW_FILE), JSON.stringify(window));
  };
}
