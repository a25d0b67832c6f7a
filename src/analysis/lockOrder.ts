// The lock-order graph of one image, lockdep-style: an edge A → B for every
// acquisition (or wait) of B, directly or through a callee's summary, while
// A is held, with the evidence that makes it.
import type { CFunction } from "../cmodel/ir.js";
import type { ContextKind } from "../model/review.js";
import type { CallSite, FnFacts, Step } from "./facts.js";
import { LockGraph } from "./graph.js";
import type { Held } from "./state.js";
import { normInstance, throughArgs } from "./instances.js";
import { throughCall, type Summary } from "./summary.js";

export function lockOrderGraph(
  factsBy: Map<string, FnFacts>,
  fnsByName: Map<string, { fn: CFunction; context: ContextKind }>,
  summaries: Map<string, Summary>,
): { graph: LockGraph; callers: Map<string, CallSite[]> } {
  const graph = new LockGraph();
  const callers = new Map<string, CallSite[]>();
  for (const [name, facts] of factsBy) {
    const { context } = fnsByName.get(name)!;
    for (const cs of facts.callSites) {
      const list = callers.get(cs.callee) ?? [];
      list.push(cs);
      callers.set(cs.callee, list);
    }
    const addEdges = (
      heldSetsAt: Held[][],
      to: { cls: string; expr?: string; mode?: "read" | "write"; how: "lock" | "implicit" | "wait"; api: string; note?: string; conditional: boolean; partial: boolean; notUnder?: string[]; lastRef: boolean; lastRefBelow?: boolean; nonblocking?: boolean; inst?: string },
      line: number,
      path: Step[],
    ) => {
      // A trylock never waits: lockdep records no dependency for it, nor do we.
      if (to.nonblocking) return;
      const union = new Map<string, Held>();
      for (const set of heldSetsAt) for (const h of set) if (h.kind !== "resource" && !union.has(h.cls) && !to.notUnder?.includes(h.cls)) union.set(h.cls, h);
      for (const h of union.values()) {
        if (h.cls === to.cls && to.how === "lock" && h.line === line) continue;
        if (h.mode === "read" && to.mode === "read" && h.cls === to.cls) continue; // recursive read
        const allPaths = heldSetsAt.every((set) => set.some((x) => x.cls === h.cls));
        const gate = heldSetsAt.length
          ? [...new Set(heldSetsAt[0].map((x) => x.cls))].filter((g) => g !== h.cls && g !== to.cls && !g.startsWith("alloc:") && heldSetsAt.every((set) => set.some((x) => x.cls === g)))
          : [];
        graph.add({
          from: h.cls, to: to.cls, function: name, file: facts.file, line, holder: h, path, allPaths,
          conditional: !!h.conditional || to.conditional, how: to.how, api: to.api, note: to.note, toMode: to.mode, toExpr: to.expr, context,
          partial: facts.partial || to.partial, lastRef: to.lastRef, lastRefBelow: to.lastRefBelow,
          ...(to.inst !== undefined && h.cls === to.cls && to.inst === normInstance(h.expr) ? { sameObject: true } : {}),
          ...(path.slice(1).some((p) => p.function === name) ? { reentrant: true } : {}),
          ...(to.inst !== undefined ? { toInst: to.inst } : {}),
          ...(gate.length ? { gate } : {}),
        });
      }
    };
    for (const a of facts.acquires) {
      addEdges(a.heldSets, { ...a, partial: facts.partial, ...(a.how === "lock" ? { inst: normInstance(a.expr) } : {}) }, a.line, [{ file: a.file, line: a.line, function: name, note: a.how === "lock" ? `${a.api}(${a.expr})` : a.note ?? a.api }]);
    }
    for (const cs of facts.callSites) {
      if (cs.indirect) continue;
      const s = summaries.get(cs.callee);
      if (!s || s.name === name) continue;
      const step: Step = { file: cs.file, line: cs.line, function: name, note: `calls ${cs.callee}()` };
      const callerFn = fnsByName.get(name)!.fn;
      for (const e of s.effects) {
        if (!throughCall(e.when, cs, callerFn)) continue;
        addEdges(cs.heldSets, { ...e, lastRef: e.lastRef || cs.lastRef, lastRefBelow: e.lastRef && !cs.lastRef, inst: throughArgs(e.inst, s.fn, cs.call) }, cs.line, [step, ...e.path]);
      }
    }
  }

  return { graph, callers };
}
