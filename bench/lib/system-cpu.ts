/**
 * @module Whole-machine CPU time from /proc/stat. Set against the bench's own processes' time
 * (cpu.ts), it tells how much of a run's CPU went elsewhere: other work on a shared machine, and
 * interrupt time (loopback networking is partly accounted there), plus what the hypervisor took
 * (steal). On a 2-core machine a busy neighbour moves throughput figures a lot.
 */
import { readFileSync } from "node:fs";

export interface SystemTimes {
  /** CPU time spent not idle, all cores, interrupts included. */
  busyNs: number;
  /** Time the hypervisor ran something else while this machine wanted a core. */
  stealNs: number;
}

/** USER_HZ, the unit of /proc/stat: 100 on every mainstream Linux architecture. */
const TICK_NS = 1e9 / 100;

export function readSystemTimes(): SystemTimes | undefined {
  let line: string;
  try {
    line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  } catch {
    return undefined;
  }
  if (!line.startsWith("cpu ")) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busyNs: (user + nice + system + irq + softirq) * TICK_NS, stealNs: steal * TICK_NS };
}
