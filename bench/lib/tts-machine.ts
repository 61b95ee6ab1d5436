/**
 * @module How busy the whole machine was while the bench ran, from /proc/stat, set against the
 * bench's own processes: on a small shared machine another job's load shows up here, and in the
 * spread of every figure, first-byte times in particular.
 */
import { availableParallelism } from "node:os";
import { readSystemTimes } from "./system-cpu.ts";

/** Non-idle CPU time of all cores (interrupts and steal included), or undefined where /proc/stat is missing. */
export function machineBusyNs(): number | undefined {
  const t = readSystemTimes();
  return t && t.busyNs + t.stealNs;
}

/** One line: the machine's busy share over `wallMs`, and how much of it was not the bench's processes. */
export function describeMachineLoad(busyNs: number | undefined, ownNs: number, wallMs: number): string {
  const cores = availableParallelism();
  if (busyNs === undefined) return "";
  const pct = (ns: number) => `${((ns / 1e6 / wallMs / cores) * 100).toFixed(0)}%`;
  const others = Math.max(0, busyNs - ownNs);
  return `machine busy ${pct(busyNs)} of ${cores} cores during the measured rounds, ${pct(others)} of it outside this bench's processes`;
}
