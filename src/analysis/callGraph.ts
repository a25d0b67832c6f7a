// The call graph of the analysed code: who calls whom (direct calls, and
// callbacks handed to kref_put()-like helpers), reachability, and the
// strongly connected components the walk visits callees-first.
import { forEachStmt, type Call, type CFunction, type Stmt } from "../cmodel/ir.js";

export type FnTable = Map<string, { fn: CFunction }>;

/** The calls a statement itself evaluates (not those of nested statements). */
export function callsOf(s: Stmt): Call[] {
  if (s.k === "expr" || s.k === "return") return s.calls;
  if (s.k === "if" || s.k === "switch") return s.cond.calls;
  if (s.k === "loop") return s.cond?.calls ?? [];
  return [];
}

/** Direct callees defined in the analysed code, per function. */
export function directCallees(fns: FnTable): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [name, { fn }] of fns) {
    const set = new Set<string>();
    forEachStmt(fn.body, (s) => {
      for (const c of callsOf(s)) if (!c.indirect && fns.has(c.name)) set.add(c.name);
    });
    out.set(name, set);
  }
  return out;
}

/** Functions reachable from `from` (itself included), not walking through `avoid`. */
export function reachable(callees: Map<string, Set<string>>, from: string, avoid?: string): Set<string> {
  const seen = new Set([from]);
  const stack = [from];
  while (stack.length) {
    for (const n of callees.get(stack.pop()!) ?? []) {
      if (seen.has(n) || n === avoid) continue;
      seen.add(n);
      stack.push(n);
    }
  }
  return seen;
}

/**
 * Functions used as values — stored into a field, passed as an argument, in
 * an initialiser — rather than (only) called: callbacks, whose callers are
 * outside the analysed code (interrupts, bio completion, the block layer).
 */
export function addressTaken(fns: FnTable, tables: { fn: string }[]): Set<string> {
  const out = new Set<string>(tables.map((t) => t.fn).filter((n) => fns.has(n)));
  for (const { fn } of fns.values()) {
    forEachStmt(fn.body, (s) => {
      if (s.k === "expr" && s.store && fns.has(s.store.ident)) out.add(s.store.ident);
      for (const c of callsOf(s)) for (const a of c.args) if (a.ident && fns.has(a.ident) && a.ident !== c.name) out.add(a.ident);
    });
  }
  return out;
}

export function selfRecursive(name: string, fns: FnTable): boolean {
  let found = false;
  forEachStmt(fns.get(name)!.fn.body, (s) => {
    for (const c of callsOf(s)) if (c.name === name) found = true;
  });
  return found;
}

/** Strongly connected components of the call graph, callees before callers (Tarjan). */
export function sccOrder(fns: FnTable, indirectCallees: (c: Call, file: string) => string[] = () => []): string[][] {
  const edges = new Map<string, string[]>();
  for (const [name, { fn }] of fns) {
    const out = new Set<string>();
    // A kernel API that runs a driver's ops slot calls what is stored there;
    // an element of a function-pointer array, what the array holds.
    forEachStmt(fn.body, (s) => {
      for (const c of callsOf(s)) for (const f of indirectCallees(c, fn.file)) if (f !== name) out.add(f);
    });
    forEachStmt(fn.body, (s) => {
      for (const c of callsOf(s)) if (!c.indirect && fns.has(c.name) && c.name !== name) out.add(c.name);
      // Callbacks passed to kref_put()/kref_put_mutex() are called too.
      for (const c of callsOf(s)) for (const a of c.args) if (a.ident && fns.has(a.ident) && a.ident !== name) out.add(a.ident);
    });
    edges.set(name, [...out]);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    // Iterative Tarjan: deep call chains must not overflow the JS stack.
    const work: { v: string; i: number }[] = [{ v, i: 0 }];
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    while (work.length) {
      const top = work[work.length - 1];
      const succ = edges.get(top.v) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++];
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          on.add(w);
          work.push({ v: w, i: 0 });
        } else if (on.has(w)) low.set(top.v, Math.min(low.get(top.v)!, idx.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === idx.get(top.v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          comp.push(w);
        } while (w !== top.v);
        out.push(comp);
      }
    }
  };
  for (const v of fns.keys()) if (!idx.has(v)) strong(v);
  return out;
}
