// Helpers rules share to read the analysis: how sure an edge is, which
// callback context a held lock comes from, graph reachability.
import type { EdgeEvidence, LockGraph } from "../analysis/graph.js";
import type { Analysis, EntryContext } from "../analysis/program.js";
import type { RuleFinding } from "./rule.js";

/** The entry context of `fn` that holds `cls` on entry, if any. */
export function entryHolding(a: Analysis, fn: string, cls: string): EntryContext | undefined {
  return a.functions.get(fn)?.entries.find((e) => e.holds.some((h) => h.cls === cls));
}

/** Why a finding is less than certain, as short phrases. */
export function doubts(a: Analysis, edges: EdgeEvidence[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    if (e.partial) out.push(`part of ${e.function}() was not visible in the patch`);
    if (e.holder.origin === "context" && entryHolding(a, e.function, e.holder.cls)?.inferred) {
      out.push(`${e.function}() was taken for a callback from its name and parameters (its ops table was not visible)`);
    }
    if (!e.allPaths) out.push(`${e.holder.cls} is held on some paths to line ${e.line}, not all`);
    if (e.conditional) out.push("a conditional lock (trylock-like) is involved");
    if (!e.holder.typed) out.push(`the type behind ${e.holder.expr} was not resolved; the lock class was taken from the expression`);
  }
  return [...new Set(out)];
}

export function confidenceOf(doubtList: string[]): RuleFinding["confidence"] {
  if (!doubtList.length) return "high";
  return doubtList.length >= 3 ? "low" : "medium";
}

/** A path in the lock graph from `from` to `to` (BFS, bounded), as edges. */
export function findPath(g: LockGraph, from: string, to: string, maxHops = 4, avoid: (cls: string) => boolean = () => false): EdgeEvidence[] | null {
  const prev = new Map<string, string>();
  const queue: { n: string; d: number }[] = [{ n: from, d: 0 }];
  const seen = new Set([from]);
  while (queue.length) {
    const { n, d } = queue.shift()!;
    if (d >= maxHops) continue;
    for (const next of g.edges.get(n)?.keys() ?? []) {
      if (seen.has(next) || (next !== to && avoid(next))) continue;
      seen.add(next);
      prev.set(next, n);
      if (next === to) {
        const nodes = [to];
        while (nodes[0] !== from) nodes.unshift(prev.get(nodes[0])!);
        return nodes.slice(1).map((m, i) => g.best(g.evidence(nodes[i], m)));
      }
      queue.push({ n: next, d: d + 1 });
    }
  }
  return null;
}

/** Every (file, line) an edge touches, for anchoring on changed lines. */
export function chainOf(edges: EdgeEvidence[]): { file: string; line: number }[] {
  const out: { file: string; line: number }[] = [];
  for (const e of edges) {
    if (e.holder.line) out.push({ file: e.file, line: e.holder.line });
    out.push({ file: e.file, line: e.line });
    for (const s of e.path) out.push({ file: s.file, line: s.line });
  }
  return out.filter((x) => x.line > 0);
}
