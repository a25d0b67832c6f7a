// The analysis of a set of C files (one image: pre or post). Pure: takes C
// models, returns facts. Order of work:
//   1. types and bindings (work item → function, thread → function,
//      notifier block → chain, ops tables → callback contexts, module roles);
//   2. lock-state walk of every function, callees first (lock wrappers);
//   3. summaries (transitive effects and drops);
//   4. the lock-order graph from every call site's held locks.
import { forEachStmt, type Arg, type CFileModel, type CFunction, type Stmt } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import type { Callback } from "../kernel/schema.js";
import type { ContextKind } from "../model/review.js";
import { TypeEnv, type LockClass } from "./classes.js";
import type { CallSite, FnFacts, Step } from "./facts.js";
import { LockGraph } from "./graph.js";
import type { Held } from "./state.js";
import { netEffects, summarise, throughCall, type Summary } from "./summary.js";
import { FunctionWalk, type NetEffects } from "./walk.js";

export interface ProgramFile {
  model: CFileModel;
  context: ContextKind;
}

/** How a function is entered: a callback slot, a work item, a thread, a module hook. */
export interface EntryContext {
  kind: Callback["context"] | "work" | "kthread" | "init" | "exit" | "probe" | "remove";
  /** Locks (and pseudo-locks) held on entry. */
  holds: Held[];
  /** Where it was learnt: "nbd_fops.release", "INIT_WORK at nbd.c:1720", "signature". */
  source: string;
  note: string;
  /** Inferred from the function's name and parameters (hunks mode): less certain. */
  inferred: boolean;
  /** The kernel function that calls it ("blkdev_put_whole()"), when known. */
  caller?: string;
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
  workBindings: Map<string, { fn: string; file: string; line: number; delayed: boolean }[]>;
  /** Work function → workqueue classes it is queued on. */
  workQueues: Map<string, Set<string>>;
  /** Module entry points. */
  moduleInit: string[];
  moduleExit: string[];
  /** Per-file parse problems (tolerated). */
  parseErrors: number;
}

function allCalls(s: Stmt) {
  if (s.k === "expr" || s.k === "return") return s.calls;
  if (s.k === "if" || s.k === "switch") return s.cond.calls;
  if (s.k === "loop") return s.cond?.calls ?? [];
  return [];
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

  // ---- 1. bindings -----------------------------------------------------
  const workBindings = new Map<string, { fn: string; file: string; line: number; delayed: boolean }[]>();
  const bindWork = (item: LockClass, fn: string, file: string, line: number, delayed: boolean) => {
    const list = workBindings.get(item.cls) ?? [];
    if (!list.some((x) => x.fn === fn)) list.push({ fn, file, line, delayed });
    workBindings.set(item.cls, list);
  };
  const kthreadFns = new Map<string, string>();
  const nbChains = new Map<string, Set<string>>(); // notifier_block class → chains
  const storedCallbacks: { structType: string; field: string; fn: string; file: string; line: number }[] = [];
  const queuedOn = new Map<string, Set<string>>(); // work item class → wq classes

  const objectClass = (arg: Arg, fn: CFunction | null): string => types.objectClass(arg, fn);

  for (const f of files) {
    for (const c of f.model.topCalls) {
      for (const wi of kernel.rows("workInit", c.name)) {
        const item = c.args[wi.workArg];
        const fnName = c.args[wi.fnArg]?.ident;
        if (item && fnName) bindWork(types.classOfWork(item, null), fnName, f.model.path, c.line, wi.delayed);
      }
    }
    for (const fn of f.model.functions) {
      forEachStmt(fn.body, (s) => {
        for (const c of allCalls(s)) {
          for (const wi of kernel.rows("workInit", c.name)) {
            const item = c.args[wi.workArg];
            const fnName = c.args[wi.fnArg]?.ident;
            if (item && fnName) bindWork(types.classOfWork(item, fn), fnName, f.model.path, c.line, wi.delayed);
          }
          for (const wq of kernel.rows("workQueue", c.name)) {
            const item = c.args[wq.workArg];
            if (!item) continue;
            const wqCls = wq.wqArg !== undefined && c.args[wq.wqArg] ? types.classOfArg(c.args[wq.wqArg], fn).cls : (wq.wq ?? "system_wq");
            const ic = types.classOfWork(item, fn).cls;
            const set = queuedOn.get(ic) ?? new Set();
            set.add(wqCls);
            queuedOn.set(ic, set);
          }
          for (const nr of kernel.rows("notifiers", c.name)) {
            if (nr.op !== "register") continue;
            const nb = c.args[nr.nbArg];
            if (!nb) continue;
            const chain = nr.chain ?? (nr.chainArg !== undefined && c.args[nr.chainArg] ? objectClass(c.args[nr.chainArg], fn) : "?");
            const nbc = types.classOfArg(nb, fn).cls;
            const set = nbChains.get(nbc) ?? new Set();
            set.add(chain);
            nbChains.set(nbc, set);
          }
        }
        if (s.k === "expr" && s.assign) {
          for (const kt of kernel.rows("kthreadCreate", s.assign.call.name)) {
            const tf = s.assign.call.args[kt.fnArg]?.ident;
            const target = s.assign.target ?? { text: s.assign.name, addrOf: false, path: { root: s.assign.name, fields: [] } };
            if (tf) kthreadFns.set(types.classOfArg(target, fn).cls, tf);
          }
        }
        if (s.k === "expr" && s.store && isDefined(s.store.ident) && s.store.target.path && s.store.target.path.fields.length) {
          // `obj->nb.notifier_call = fn`: typed by the object holding the field.
          const p = s.store.target.path;
          const field = p.fields[p.fields.length - 1];
          const ownerType = ownerTypeOf(types, p, fn);
          if (ownerType) storedCallbacks.push({ structType: ownerType, field, fn: s.store.ident, file: f.model.path, line: s.line });
        }
      });
    }
  }
  // Who completes which completion, and which work functions reach those
  // calls: "queue a work, wait for the completion it signals" is a flush.
  const signalers = new Map<string, Set<string>>();
  const callees = new Map<string, Set<string>>();
  for (const { fn } of fnsByName.values()) {
    const out = new Set<string>();
    forEachStmt(fn.body, (s) => {
      for (const c of allCalls(s)) {
        if (!c.indirect && fnsByName.has(c.name)) out.add(c.name);
        for (const cs of kernel.rows("completionSignal", c.name)) {
          const a = c.args[cs.arg];
          if (!a) continue;
          const cls = types.classOfArg(a, fn).cls;
          const set = signalers.get(cls) ?? new Set<string>();
          set.add(fn.name);
          signalers.set(cls, set);
        }
      }
    });
    callees.set(fn.name, out);
  }
  const reach = (from: string): Set<string> => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length) for (const n of callees.get(stack.pop()!) ?? []) if (!seen.has(n)) (seen.add(n), stack.push(n));
    return seen;
  };
  const completersOf = new Map<string, string[]>();
  const workFnNames = new Set([...workBindings.values()].flat().map((b) => b.fn));
  for (const w of workFnNames) {
    const r = reach(w);
    for (const [cls, fns] of signalers) if ([...fns].some((f) => r.has(f))) completersOf.set(cls, [...(completersOf.get(cls) ?? []), w]);
  }
  const workQueues = new Map<string, Set<string>>();
  for (const [item, list] of workBindings) {
    for (const b of list) {
      const set = workQueues.get(b.fn) ?? new Set<string>();
      for (const wq of queuedOn.get(item) ?? []) set.add(wq);
      workQueues.set(b.fn, set);
    }
  }

  // ---- entry contexts ---------------------------------------------------
  const entries = new Map<string, EntryContext[]>();
  const addEntry = (fn: string, e: EntryContext) => {
    const list = entries.get(fn) ?? [];
    if (!list.some((x) => x.kind === e.kind && x.source === e.source)) list.push(e);
    entries.set(fn, list);
  };
  const parallelOpsTables = new Set<string>();
  for (const f of files) {
    for (const o of f.model.ops) {
      if (o.structType === "genl_family" && /^(ops|small_ops|split_ops)$/.test(o.field) && o.siblings.parallel_ops === "true") parallelOpsTables.add(o.fn);
    }
  }
  const holdsOf = (cb: Callback, fnName: string, line: number, nbClasses: string[]): Held[] => {
    const out: Held[] = [];
    for (const h of cb.holds) {
      if (h.lock.includes("$chain")) {
        const chains = new Set<string>();
        for (const nbc of nbClasses) for (const ch of nbChains.get(nbc) ?? []) chains.add(ch);
        if (!chains.size) chains.add(`?${fnName}`);
        for (const ch of chains) out.push({ cls: h.lock.replace("$chain", ch), expr: ch, typed: !ch.startsWith("?"), mode: h.mode, kind: "rwsem", line, origin: "context", via: cb.note });
      } else {
        out.push({ cls: h.lock, expr: h.expr ?? h.lock, typed: true, mode: h.mode, kind: "mutex", line, origin: "context", via: cb.note });
      }
    }
    return out;
  };
  const tablesSeen = new Set<string>(); // "struct.field" slots whose initialisers are visible
  for (const f of files) {
    for (const o of f.model.ops) {
      tablesSeen.add(`${o.structType}.${o.field}`);
      const info = fnsByName.get(o.fn);
      if (!info) continue;
      for (const cb of kernel.callbacksFor(o.structType, o.field)) {
        const parallel = cb.unlessFamilyFlag && parallelOpsTables.has(o.variable);
        const def = fnsByName.get(o.fn)!.fn;
        addEntry(o.fn, {
          kind: cb.context, holds: parallel ? [] : holdsOf(cb, o.fn, def.line, [`${o.variable}`, `${o.structType}.${o.variable}`]),
          source: `${o.variable}.${o.field}`, note: cb.note, inferred: false, caller: cb.caller,
        });
      }
      // Driver structs registered by module_*_driver(): probe/remove roles.
      if (o.field === "remove" || o.field === "probe") {
        addEntry(o.fn, { kind: o.field === "remove" ? "remove" : "probe", holds: [], source: `${o.variable}.${o.field}`, note: `driver ${o.field} callback`, inferred: false });
      }
    }
    for (const a of f.model.attrMacros) {
      for (const fnName of a.fns) {
        const info = fnsByName.get(fnName);
        if (!info) continue;
        // The macro says what the attribute hangs on: CLASS_ATTR_* → class, DRIVER_ATTR_* → driver …
        const struct = /^CLASS_/.test(a.macro) ? "class_attribute" : /^(DRIVER|BUS)_/.test(a.macro) ? "driver_attribute" : /^(KOBJ_|__ATTR)/.test(a.macro) ? "kobj_attribute" : "device_attribute";
        for (const cb of kernel.callbacksFor(struct, fnName.endsWith("_store") ? "store" : "show")) {
          addEntry(fnName, { kind: cb.context, holds: holdsOf(cb, fnName, info.fn.line, []), source: `${a.macro}(${a.name})`, note: cb.note, inferred: false, caller: cb.caller });
        }
      }
    }
  }
  for (const sc of storedCallbacks) {
    const info = fnsByName.get(sc.fn);
    if (!info) continue;
    for (const cb of kernel.callbacksFor(sc.structType, sc.field)) {
      // The block itself: `group->nb.notifier_call = fn` → block class of `group->nb`.
      const nbClasses = [...nbChains.keys()];
      addEntry(sc.fn, { kind: cb.context, holds: holdsOf(cb, sc.fn, info.fn.line, nbClasses), source: `${sc.structType}.${sc.field} = ${sc.fn} (${sc.file}:${sc.line})`, note: cb.note, inferred: false, caller: cb.caller });
    }
  }
  // Hunks mode: a callback whose ops table is not visible, recognised by
  // name and parameter types (said in findings as inferred).
  for (const [name, info] of fnsByName) {
    if (info.context !== "hunks" || entries.has(name)) continue;
    const ptypes = info.fn.params.map((p) => p.type?.name ?? "?");
    for (const cb of kernel.data.callbacks) {
      if (cb.structs.some((s) => cb.fields.some((fld) => tablesSeen.has(`${s}.${fld}`)))) continue;
      const sig = cb.signatures.find((sg) => (!sg.name || new RegExp(sg.name).test(name)) && sg.params.length === ptypes.length && sg.params.every((t, i) => t === "*" || t === ptypes[i]));
      if (sig) addEntry(name, { kind: cb.context, holds: holdsOf(cb, name, info.fn.line, []), source: "signature", note: cb.note, inferred: true, caller: cb.caller });
    }
  }
  // Work functions and thread functions run inside their pseudo-locks.
  const workFnSet = new Set<string>();
  for (const list of workBindings.values()) for (const b of list) workFnSet.add(b.fn);
  for (const [name, info] of fnsByName) {
    const isWorkSig = info.fn.params.length === 1 && info.fn.params[0].type?.name === "work_struct" && info.fn.params[0].type.pointer === 1;
    if (workFnSet.has(name) || (info.context === "hunks" && isWorkSig)) {
      const holds: Held[] = [{ cls: `work:${name}`, expr: name, typed: true, kind: "work", line: info.fn.line, origin: "context", via: "work function" }];
      for (const wq of workQueues.get(name) ?? []) holds.push({ cls: `wq:${wq}`, expr: wq, typed: true, kind: "work", line: info.fn.line, origin: "context", via: `queued on ${wq}` });
      const b = [...workBindings.values()].flat().find((x) => x.fn === name);
      addEntry(name, { kind: "work", holds, source: b ? `INIT_WORK at ${b.file}:${b.line}` : "signature", note: "runs from a workqueue worker", inferred: !b });
    }
  }
  for (const [, fnName] of kthreadFns) {
    const info = fnsByName.get(fnName);
    if (info) addEntry(fnName, { kind: "kthread", holds: [{ cls: `kthread:${fnName}`, expr: fnName, typed: true, kind: "kthread", line: info.fn.line, origin: "context", via: "kthread" }], source: "kthread_run", note: "thread function", inferred: false });
  }
  const moduleInit: string[] = [];
  const moduleExit: string[] = [];
  for (const f of files) {
    for (const c of f.model.topCalls) {
      for (const me of kernel.rows("moduleEntry", c.name)) {
        const target = c.args[me.arg]?.ident;
        if (!target) continue;
        if (me.role === "init") moduleInit.push(target);
        if (me.role === "exit") moduleExit.push(target);
        if (me.role === "driver") {
          for (const o of files.flatMap((x) => x.model.ops)) {
            if (o.variable !== target) continue;
            if (o.field === "probe") moduleInit.push(o.fn);
            if (o.field === "remove") moduleExit.push(o.fn);
          }
        }
      }
    }
    for (const fn of f.model.functions) {
      if (fn.annotations.some((a) => a.name === "__init") && !moduleInit.includes(fn.name) && /init/.test(fn.name)) moduleInit.push(fn.name);
      if (fn.annotations.some((a) => a.name === "__exit") && !moduleExit.includes(fn.name)) moduleExit.push(fn.name);
    }
  }
  for (const n of moduleInit) if (fnsByName.has(n)) addEntry(n, { kind: "init", holds: [], source: "module_init", note: "module init", inferred: false });
  for (const n of moduleExit) if (fnsByName.has(n)) addEntry(n, { kind: "exit", holds: [], source: "module_exit", note: "module exit", inferred: false });

  // ---- 2/3. walks and summaries, callees first -------------------------------
  const order = sccOrder(fnsByName);
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
    workFns: (item: string) => (workBindings.get(item) ?? []).map((b) => b.fn),
    kthreadFn: (t: string) => kthreadFns.get(t),
    isDefined,
    completers: (cls: string) => completersOf.get(cls) ?? [],
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
      to: { cls: string; expr?: string; mode?: "read" | "write"; how: "lock" | "implicit" | "wait"; api: string; note?: string; conditional: boolean; partial: boolean; notUnder?: string[]; lastRef: boolean; lastRefBelow?: boolean; nonblocking?: boolean },
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
          ...(gate.length ? { gate } : {}),
        });
      }
    };
    for (const a of facts.acquires) {
      addEdges(a.heldSets, { ...a, partial: facts.partial }, a.line, [{ file: a.file, line: a.line, function: name, note: a.how === "lock" ? `${a.api}(${a.expr})` : a.note ?? a.api }]);
    }
    for (const cs of facts.callSites) {
      if (cs.indirect) continue;
      const s = summaries.get(cs.callee);
      if (!s || s.name === name) continue;
      const step: Step = { file: cs.file, line: cs.line, function: name, note: `calls ${cs.callee}()` };
      const callerFn = fnsByName.get(name)!.fn;
      for (const e of s.effects) {
        if (!throughCall(e.when, cs, callerFn)) continue;
        addEdges(cs.heldSets, { ...e, lastRef: e.lastRef || cs.lastRef, lastRefBelow: e.lastRef && !cs.lastRef }, cs.line, [step, ...e.path]);
      }
    }
  }

  const functions = new Map<string, FunctionInfo>();
  for (const [name, { fn, context }] of fnsByName) {
    functions.set(name, { fn, context, facts: factsBy.get(name)!, summary: summaries.get(name)!, entries: entries.get(name) ?? [] });
  }
  const parseErrors = files.reduce((n, f) => n + f.model.parseErrors, 0);
  return { files, kernel, types, functions, graph, callers, workBindings, workQueues, moduleInit, moduleExit, parseErrors };
}

function ownerTypeOf(types: TypeEnv, p: { root: string; fields: string[] }, fn: CFunction): string | null {
  // Type of the object that holds the stored field: walk the path's types.
  let t = types.varType(p.root, fn).type;
  for (const f of p.fields.slice(0, -1)) {
    if (!t) return null;
    t = types.fieldType(t.name, f).type;
  }
  return t?.name ?? null;
}

function dedupeHeld(h: Held[]): Held[] {
  const seen = new Set<string>();
  return h.filter((x) => (seen.has(x.cls) ? false : (seen.add(x.cls), true)));
}

function selfRecursive(name: string, fns: Map<string, { fn: CFunction }>): boolean {
  let found = false;
  forEachStmt(fns.get(name)!.fn.body, (s) => {
    for (const c of allCalls(s)) if (c.name === name) found = true;
  });
  return found;
}

/** Strongly connected components of the call graph, callees before callers (Tarjan). */
function sccOrder(fns: Map<string, { fn: CFunction }>): string[][] {
  const edges = new Map<string, string[]>();
  for (const [name, { fn }] of fns) {
    const out = new Set<string>();
    forEachStmt(fn.body, (s) => {
      for (const c of allCalls(s)) if (!c.indirect && fns.has(c.name) && c.name !== name) out.add(c.name);
      // Callbacks passed to kref_put()/kref_put_mutex() are called too.
      for (const c of allCalls(s)) for (const a of c.args) if (a.ident && fns.has(a.ident) && a.ident !== name) out.add(a.ident);
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
