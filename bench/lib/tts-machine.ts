/**
 * @module How busy the whole machine was while the bench ran, from /proc/stat, set against the
 * bench's own processes: on a small shared machine another job's load shows up here, and in the
 * spread of every figure, first-byte times in particular.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { CpuSnapshot } from "./cpu.ts";

/** USER_HZ, the unit of /proc/stat: 100 on every mainstream Linux architecture. */
const TICK_NS = 1e9 / 100;

/** Non-idle CPU time of all cores (interrupts included), or undefined where /proc/stat is missing. */
export function machineBusyNs(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    if (!line.startsWith("cpu ")) return undefined;
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) * TICK_NS;
  } catch {
    return undefined;
  }
}

/** One line: the machine's busy share over `wallMs`, and how much of it was not the bench's processes. */
export function describeMachineLoad(busyNs: number | undefined, ownNs: number, wallMs: number): string {
  const cores = availableParallelism();
  if (busyNs === undefined) return "";
  const pct = (ns: number) => `${((ns / 1e6 / wallMs / cores) * 100).toFixed(0)}%`;
  const others = Math.max(0, busyNs - ownNs);
  return `machine busy ${pct(busyNs)} of ${cores} cores during the measured rounds, ${pct(others)} of it outside this bench's processes`;
}

/** Sum of on-CPU time in a snapshot diff. */
export const ownCpuNs = (snap: CpuSnapshot): number => [...snap.values()].reduce((s, t) => s + t.mainNs + t.otherNs, 0);
