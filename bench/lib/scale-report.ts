/** @module `bench:scale`'s goals: each ratio with its goal and MET / MISSED, collected for the closing summary. */

export const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : "-");
export const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "-");
export const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : "-");
export const f3 = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : "-");

export type Met = boolean | "n/a";

export interface Verdict {
  section: string;
  /** "2 workers: aggregate tok/s = 0.93 × linear" */
  measured: string;
  /** "≥ 0.90 × linear" */
  goal: string;
  met: Met;
  /** Why the goal does not apply, or what qualifies it. */
  note?: string;
}

export const word = (met: Met): string => (met === "n/a" ? "n/a" : met ? "MET" : "MISSED");

export const verdictLine = (v: Verdict): string => `  ${v.measured}   goal ${v.goal}   ${word(v.met)}${v.note ? `\n      ${v.note}` : ""}`;

export class Verdicts {
  readonly #all: Verdict[] = [];

  /** Records a verdict and prints it where it was reached. */
  add(v: Verdict): void {
    this.#all.push(v);
    console.log(verdictLine(v));
  }

  printSummary(): void {
    console.log("\nsummary of goals:");
    for (const v of this.#all) console.log(`  [${word(v.met).padEnd(6)}] ${v.section.padEnd(9)} ${v.measured}  (goal ${v.goal})`);
    const missed = this.#all.filter((v) => v.met === false).length;
    const met = this.#all.filter((v) => v.met === true).length;
    console.log(`  ${met} met, ${missed} missed, ${this.#all.length - met - missed} not applicable`);
  }
}
