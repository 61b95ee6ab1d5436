/**
 * @module CPU over one measured window: what each watched process used (cpu.ts) and what the
 * rest of the machine used meanwhile (system-cpu.ts), in cores, so that a run on a shared
 * 2-core machine says how much of it went to someone else.
 */
import { availableParallelism } from "node:os";
import { type CpuSnapshot, diff, ownCpuNs, snapshot, type WatchedProcess } from "./cpu.ts";
import { readSystemTimes } from "./system-cpu.ts";

export interface CpuWindow {
  wallMs: number;
  /** Per watched process name (same names summed). */
  own: CpuSnapshot;
  /** Cores' worth the watched processes used together. */
  ownCores: number;
  /** Cores' worth everything else used (other work, interrupts); NaN without /proc/stat. */
  elsewhereCores: number;
  /** Cores' worth the hypervisor took; NaN without /proc/stat. */
  stealCores: number;
}

/** Opens a window on `watched` (read again at the end, so processes added meanwhile count from then). */
export function openCpuWindow(watched: readonly WatchedProcess[]): () => CpuWindow {
  const at = performance.now();
  const sys0 = readSystemTimes();
  const before = snapshot(watched);
  return () => {
    const after = snapshot(watched);
    // A process started during the window is in `after` only: all its time falls inside.
    for (const name of after.keys()) if (!before.has(name)) before.set(name, { mainNs: 0, otherNs: 0, waitNs: 0 });
    const own = diff(before, after);
    const sys1 = readSystemTimes();
    const wallMs = performance.now() - at;
    const cores = (ns: number) => ns / 1e6 / wallMs;
    const ownNs = ownCpuNs(own);
    const known = sys0 !== undefined && sys1 !== undefined;
    return {
      wallMs,
      own,
      ownCores: cores(ownNs),
      elsewhereCores: known ? cores(Math.max(0, sys1.busyNs - sys0.busyNs - ownNs)) : Number.NaN,
      stealCores: known ? cores(sys1.stealNs - sys0.stealNs) : Number.NaN,
    };
  };
}

/** Several windows as one: time-weighted. */
export function poolWindows(windows: readonly CpuWindow[]): { wallMs: number; ownCores: number; elsewhereCores: number; stealCores: number } {
  const wallMs = windows.reduce((s, w) => s + w.wallMs, 0);
  const weighted = (pick: (w: CpuWindow) => number) => windows.reduce((s, w) => s + pick(w) * w.wallMs, 0) / wallMs;
  return { wallMs, ownCores: weighted((w) => w.ownCores), elsewhereCores: weighted((w) => w.elsewhereCores), stealCores: weighted((w) => w.stealCores) };
}

/** "other processes used 0.42 of 2 cores (21%)" */
export function describeElsewhere(w: { elsewhereCores: number; stealCores: number }): string {
  const cores = availableParallelism();
  if (!Number.isFinite(w.elsewhereCores)) return "other processes' CPU unknown (no /proc/stat)";
  const steal = w.stealCores > 0.01 ? `, hypervisor steal ${w.stealCores.toFixed(2)}` : "";
  return `other processes used ${w.elsewhereCores.toFixed(2)} of ${cores} cores (${((100 * w.elsewhereCores) / cores).toFixed(0)}%)${steal}`;
}
