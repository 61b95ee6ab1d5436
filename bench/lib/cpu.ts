/**
 * @module CPU accounting per process from Linux schedstat: nanosecond on-CPU time of the main
 * (JavaScript) thread and of all other threads (llama.cpp, libuv pool, GC helpers), plus time
 * spent runnable but waiting for a core, which is how contention on a 2-core machine shows up.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcTimes {
  /** On-CPU time of the thread whose id is the pid: where JavaScript runs in Node. */
  mainNs: number;
  /** On-CPU time of every other thread. */
  otherNs: number;
  /** Time threads were runnable but not running, all threads. */
  waitNs: number;
}

export interface WatchedProcess {
  name: string;
  pid: number;
}

export type CpuSnapshot = Map<string, ProcTimes>;

function readTimes(pid: number): ProcTimes | undefined {
  const times: ProcTimes = { mainNs: 0, otherNs: 0, waitNs: 0 };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    let line: string;
    try {
      line = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8");
    } catch {
      continue; // The thread ended between the listing and the read.
    }
    const [run, wait] = line.trim().split(" ").map(Number);
    if (Number(tid) === pid) times.mainNs += run ?? 0;
    else times.otherNs += run ?? 0;
    times.waitNs += wait ?? 0;
  }
  return times;
}

/** Children of `parent` whose command name is `comm`, e.g. the nats-server we spawned. */
export function childPidsNamed(parent: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 2 is "(comm)" and may hold spaces; the ppid is the second field after it.
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (name === comm && ppid === parent) found.push(Number(entry));
    } catch {
      // Gone already.
    }
  }
  return found;
}

export const cpuAccountingAvailable = (): boolean => readTimes(process.pid) !== undefined;

/** Processes that share a name (two gpu-node processes, one per variant) are summed. */
export function snapshot(processes: readonly WatchedProcess[]): CpuSnapshot {
  const snap: CpuSnapshot = new Map();
  for (const p of processes) {
    const t = readTimes(p.pid);
    if (!t) continue;
    const sum = snap.get(p.name);
    if (sum) {
      sum.mainNs += t.mainNs;
      sum.otherNs += t.otherNs;
      sum.waitNs += t.waitNs;
    } else snap.set(p.name, t);
  }
  return snap;
}

export function diff(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const d: CpuSnapshot = new Map();
  for (const [name, a] of after) {
    const b = before.get(name);
    if (!b) continue;
    d.set(name, { mainNs: a.mainNs - b.mainNs, otherNs: a.otherNs - b.otherNs, waitNs: a.waitNs - b.waitNs });
  }
  return d;
}

/** One process's times summed over runs; a run without it (or without CPU figures) adds nothing. */
export function sumProcTimes(runs: readonly { cpu?: CpuSnapshot | undefined }[], name: string): ProcTimes {
  const sum: ProcTimes = { mainNs: 0, otherNs: 0, waitNs: 0 };
  for (const r of runs) {
    const t = r.cpu?.get(name);
    if (!t) continue;
    sum.mainNs += t.mainNs;
    sum.otherNs += t.otherNs;
    sum.waitNs += t.waitNs;
  }
  return sum;
}

/** On-CPU time (all threads) of every process in a snapshot diff. */
export const ownCpuNs = (snap: CpuSnapshot): number => [...snap.values()].reduce((s, t) => s + t.mainNs + t.otherNs, 0);
