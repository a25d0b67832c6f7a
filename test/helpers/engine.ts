// Test helper: run the engine (C model + analysis) over small C sources.
import { buildModel } from "../../src/cmodel/build.js";
import { analyse, type Analysis } from "../../src/analysis/program.js";
import { loadKernelModel } from "../../src/kernel/model.js";
import type { ContextKind } from "../../src/model/review.js";

export async function analyseC(files: Record<string, string>, context: ContextKind = "file"): Promise<Analysis> {
  const models = [];
  for (const [path, text] of Object.entries(files)) models.push({ model: await buildModel({ path, text, context }), context });
  return analyse(models, loadKernelModel());
}

/** Lock classes held (on some path) at the first call of `callee` inside `fn`. */
export function heldAt(a: Analysis, fn: string, callee: string): string[][] {
  const f = a.functions.get(fn);
  if (!f) throw new Error(`no function ${fn}`);
  const cs = f.facts.callSites.find((c) => c.callee === callee);
  if (!cs) throw new Error(`${fn} does not call ${callee}`);
  return cs.heldSets.map((s) => s.map((h) => h.cls).sort());
}

/** Edges of the lock-order graph as "A -> B" strings. */
export function edges(a: Analysis): string[] {
  const out: string[] = [];
  for (const [from, m] of a.graph.edges) for (const to of m.keys()) out.push(`${from} -> ${to}`);
  return out.sort();
}
