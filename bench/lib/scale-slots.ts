/**
 * @module The check that no worker ever ran more generations at once than its slots: each
 * gpu-node's own high-water mark (switchyard_worker_generations_peak, per model, since it
 * started) against its slots, read once at the end, so it covers every section of the run.
 */
import { scrape } from "../../tests/helpers/prom-text.ts";
import type { ScaleBench } from "./scale-bench.ts";

export async function checkSlots(b: ScaleBench): Promise<void> {
  const cells: string[] = [];
  const over: string[] = [];
  for (const w of b.workers) {
    const all = await scrape(w.metricsUrl);
    const named = (name: string) => all.filter((s) => s.name === name);
    const slots = new Map(named("switchyard_worker_slots_total").map((s) => [s.labels.model ?? "", s.value]));
    for (const peak of named("switchyard_worker_generations_peak")) {
      const model = peak.labels.model ?? "";
      const total = slots.get(model) ?? Number.NaN;
      if (peak.value === 0) continue;
      cells.push(`${w.id}/${model} ${peak.value}/${total}`);
      if (!(peak.value <= total)) over.push(`${w.id} ran ${peak.value} generations of ${model} at once with ${total} slots`);
    }
  }
  console.log(`\nslots: most generations at once per worker and model, against its slots (each worker's own count): ${cells.join(", ") || "none ran"}`);
  b.problems.push(...over);
  b.verdicts.add({
    section: "slots",
    measured: over.length === 0 ? `no worker ran more generations at once than its slots (${b.workers.length} workers)` : over.join("; "),
    goal: "peak ≤ slots on every worker",
    met: over.length === 0,
  });
}
