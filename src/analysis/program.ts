// The analysis of a set of C files (one image: pre or post). Pure: takes C
// models, returns facts. Order of work:
//   1. types and bindings (bindings.ts: work item → function, thread →
//      function, notifier block → chain; entries.ts: ops tables → callback
//      contexts, module roles; completions.ts: which work a completion wait
//      waits for);
//   2. lock-state walk of every function, callees first (lock wrappers);
//   3. summaries (transitive effects and drops);
//   4. the lock-order graph from every call site's held locks (lockOrder.ts).
import type { Call, CFileModel, CFunction } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import type { ContextKind } from "../model/review.js";
import { readBindings, type WorkBinding } from "./bindings.js";
import { addressTaken, directCallees, sccOrder, selfRecursive } from "./callGraph.js";
import { handedOffSemaphores } from "./handoff.js";
import { TypeEnv } from "./classes.js";
import { CompletionPairing } from "./completions.js";
import { entryContexts, type EntryContext } from "./entries.js";
import type { CallSite, FnFacts } from "./facts.js";
import type { LockGraph } from "./graph.js";
import { lockOrderGraph } from "./lockOrder.js";
import type { Held } from "./state.js";
import { netEffects, summarise, type Summary } from "./summary.js";
import { FunctionWalk, type NetEffects } from "./walk.js";

export type { EntryContext } from "./entries.js";

export interface ProgramFile {
  model: CFileModel;
  context: ContextKind;
}

export interface FunctionInfo {
  fn: CFunction;
  context: ContextKind;
  facts: FnFacts;
  summary: Summary;
  entries: EntryContext[];
}

export interface Analysis {
  files: ProgramFile[];
  kernel: KernelModel;
  types: TypeEnv;
  functions: Map<string, FunctionInfo>;
  graph: LockGraph;
  /** Call sites by callee name. */
  callers: Map<string, CallSite[]>;
  /** Work-item class → work functions. */
  workBindings: Map<string, WorkBinding[]>;
  /** Work function → workqueue classes it is queued on. */
  workQueues: Map<string, Set<string>>;
  /** Module entry points. */
  moduleInit: string[];
  moduleExit: string[];
  /** Per-file parse problems (tolerated). */
  parseErrors: number;
}

export function analyse(files: ProgramFile[], kernel: KernelModel): Analysis {
  const types = new TypeEnv(files.map((f) => f.model), kernel);
  const fnsByName = new Map<string, { fn: CFunction; context: ContextKind }>();
  for (const f of files) {
    for (const fn of f.model.functions) {
      const have = fnsByName.get(fn.name);
      // Prefer a complete definition over a partial (hunks) one.
      if (!have || (have.fn.partial && !fn.partial)) fnsByName.set(fn.name, { fn, context: f.context });
    }
  }
  const isDefined = (n: string) => fnsByName.has(n);

  // ---- 1. bindings, entry contexts, completion pairing ---------------------
  const bindings = readBindings(files.map((f) => f.model), types, kernel, isDefined);
  const callees = directCallees(fnsByName);
  const called = new Set<string>();
  for (const set of callees.values()) for (const n of set) called.add(n);
  const { entries, moduleInit, moduleExit } = entryContexts(files, fnsByName, bindings, kernel, (n) => called.has(n));
  const taken = addressTaken(fnsByName, files.flatMap((f) => f.model.ops));
  const completions = new CompletionPairing(fnsByName, callees, taken, bindings, types, kernel);
  const handedOff = handedOffSemaphores(fnsByName, taken, types, kernel);

  // Functions stored in the ops slots kernel APIs call (table: callsSlot).
  const allOps = files.flatMap((f) => f.model.ops);
  const slotCallees = (api: string) => kernel.rows("callsSlot", api).flatMap((r) => allOps.filter((o) => o.structType === r.struct && o.field === r.field && isDefined(o.fn)).map((o) => o.fn));
  // Calls of an element of a file's function-pointer array (dm's `_exits[i]()`) call every element.
  const fnTables = new Map(files.map((f) => [f.model.path, f.model.fnTables ?? {}]));
  const indirectCallees = (c: Call, file: string): string[] => {
    if (c.table) return (Object.hasOwn(fnTables.get(file) ?? {}, c.name) ? fnTables.get(file)![c.name] : []).filter(isDefined);
    return c.indirect ? [] : slotCallees(c.name);
  };

  // ---- 2/3. walks and summaries, callees first -------------------------------
  const order = sccOrder(fnsByName, indirectCallees);
  const summaries = new Map<string, Summary>();
  const factsBy = new Map<string, FnFacts>();
  const nets = new Map<string, NetEffects>();
  // Inside a recursive component, a callee's "maybe holds on return" (no
  // return value telling when) is not fed back: in a cycle of calls it only
  // amplifies an imprecise path round after round.
  let currentScc = new Set<string>();
  const env = {
    kernel, types,
    net: (n: string) => {
      const net = nets.get(n);
      if (!net || !currentScc.has(n)) return net;
      return { acquired: net.acquired.filter((a) => !a.conditional || a.when), released: net.released };
    },
    workFns: (item: string) => (bindings.work.get(item) ?? []).map((b) => b.fn),
    kthreadFn: (t: string) => bindings.kthreads.get(t),
    timerFns: (t: string) => [...(bindings.timers.get(t) ?? [])],
    indirectCallees,
    isDefined,
    completers: (cls: string, waiter: string) => completions.completers(cls, waiter),
    handedOff: (cls: string) => handedOff.has(cls),
    destroyedBy: (n: string) => (summaries.get(n)?.effects ?? []).filter((e) => e.api === "destroy_workqueue").map((e) => e.cls),
    refDrop: (n: string) => {
      const row = kernel.first("refDrop", n);
      if (row) return row.last;
      // A driver function that returns a put's result is a put too (rbd's atomic_dec_return_safe()).
      return factsBy.get(n)?.returns.find((r) => r.refLast)?.refLast;
    },
  };
  for (const scc of order) {
    currentScc = new Set(scc);
    const rounds = scc.length > 1 || selfRecursive(scc[0], fnsByName) ? 3 : 1;
    for (let r = 0; r < rounds; r++) {
      for (const name of scc) {
        const { fn, context } = fnsByName.get(name)!;
        const entryHeld = dedupeHeld((entries.get(name) ?? []).flatMap((e) => e.holds));
        const walk = new FunctionWalk(fn, env, context, entryHeld);
        const facts = walk.run();
        factsBy.set(name, facts);
        nets.set(name, netEffects(fn, facts, walk.paramRefs));
      }
      for (const name of scc) {
        const { fn } = fnsByName.get(name)!;
        summaries.set(name, summarise(fn, factsBy.get(name)!, nets.get(name)!, (n) => summaries.get(n)));
      }
    }
  }

  // ---- 4. lock-order graph ----------------------------------------------------
  const { graph, callers } = lockOrderGraph(factsBy, fnsByName, summaries);

  const functions = new Map<string, FunctionInfo>();
  for (const [name, { fn, context }] of fnsByName) {
    functions.set(name, { fn, context, facts: factsBy.get(name)!, summary: summaries.get(name)!, entries: entries.get(name) ?? [] });
  }
  const parseErrors = files.reduce((n, f) => n + f.model.parseErrors, 0);
  return { files, kernel, types, functions, graph, callers, workBindings: bindings.work, workQueues: bindings.workQueues, moduleInit, moduleExit, parseErrors };
}

function dedupeHeld(h: Held[]): Held[] {
  const seen = new Set<string>();
  return h.filter((x) => (seen.has(x.cls) ? false : (seen.add(x.cls), true)));
}

