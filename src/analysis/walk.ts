// The lock-state walk: abstract interpretation of one function body over
// the C model. It follows branches, loops, switch, goto to labels, early
// returns, conditional acquisitions (trylock and friends hold only on their
// success path, including through a variable: `ret = …; if (ret) …`) and
// scoped guards, and records what held at every call. Callees defined in the
// analysed code contribute their net effect (lock/unlock wrappers) from
// their summaries; their deeper effects are joined later (summary.ts).
import { forEachStmt, type Arg, type Call, type CFunction, type Cond, type Stmt, type Test } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import type { ContextKind } from "../model/review.js";
import type { LockClass, TypeEnv } from "./classes.js";
import { deviceObjectOwner, kernfsClass } from "./sysfsOwners.js";
import type { FnFacts, ParamCond } from "./facts.js";
import { clone, droppedOf, findHeld, heldSets, normalize, onlyLastRef, type Held, type State } from "./state.js";

/** What a callee leaves behind, from its summary. */
export interface NetEffects {
  /** Held on return (lock wrappers). `param` re-roots the expression at the call site. */
  acquired: {
    cls: string; expr: string; typed: boolean; mode?: "read" | "write"; kind: string; line: number; param?: ParamRef;
    /** Held on some returns only; `when` says which return value means held, when the returns tell. */
    conditional: boolean;
    when?: "zero" | "nonzero";
  }[];
  /** Released without being acquired, not re-taken (unlock wrappers). */
  released: { cls: string; expr: string; line: number; param?: ParamRef }[];
}

export interface ParamRef {
  index: number;
  fields: string[];
}

export interface WalkEnv {
  kernel: KernelModel;
  types: TypeEnv;
  /** Net effects of a callee defined in the analysed code. */
  net(callee: string): NetEffects | undefined;
  /** Work functions bound to a work-item class (INIT_WORK). */
  workFns(itemCls: string): string[];
  /** Thread function stored in a task pointer class (kthread_run). */
  kthreadFn(targetCls: string): string | undefined;
  /** Callbacks bound to a timer class (timer_setup(), `t.function = fn`). */
  timerFns(timerCls: string): string[];
  /**
   * Functions of the analysed code a call reaches without naming them: the
   * ops slot a kernel API calls (callsSlot rows), the elements of a
   * function-pointer array (`_exits[i]()`).
   */
  indirectCallees(c: Call, file: string): string[];
  /** Whether a name is a function defined in the analysed code. */
  isDefined(name: string): boolean;
  /** A put whose result tells "last reference" (table row, or a driver wrapper returning one). */
  refDrop(name: string): "zero" | "nonzero" | undefined;
  /** Workqueue classes (`wq:…`) a callee destroys, directly or below (from its summary). */
  destroyedBy(callee: string): string[];
  /** A semaphore class that a callback (not the acquiring path) releases: a hand-off, not a held lock. */
  handedOff(cls: string): boolean;
  /** Work functions a wait on this completion class in `waiter` waits for (completions.ts). */
  completers(completionCls: string, waiter: string): string[];
}

interface Flow {
  normal: State[];
  breaks: State[];
  continues: State[];
}

const empty = (): Flow => ({ normal: [], breaks: [], continues: [] });

/** Compiled "mentions this lvalue" patterns per statement (statements are walked many times). */
const writePatterns = new WeakMap<object, RegExp[]>();

function callKey(c: Call): string {
  return `${c.name}@${c.line}(${c.args.map((a) => a.text).join(",")})`;
}

/** Parameter reference of an expression rooted at a parameter (for wrappers). */
function paramRef(fn: CFunction, arg: Arg): ParamRef | undefined {
  if (!arg.path) return undefined;
  const i = fn.params.findIndex((p) => p.name === arg.path!.root);
  return i >= 0 ? { index: i, fields: arg.path.fields } : undefined;
}

export class FunctionWalk {
  readonly facts: FnFacts;
  private readonly labelStates = new Map<string, State[]>();
  private readonly labelDepth = new Map<string, number>();
  private depth = 0;
  private readonly seen = new Set<string>();
  /** Released entry locks by class, waiting for a re-acquisition (unlock … relock). */
  private readonly droppedAt = new Map<string, number>();
  readonly paramRefs = new Map<string, ParamRef>();
  /** Facts by identity, for the repeated visits of one statement (loops, merges, SCC rounds). */
  private readonly callSiteIndex = new Map<string, FnFacts["callSites"][number]>();
  private readonly acquireIndex = new Map<string, FnFacts["acquires"][number]>();
  /** Variables whose value a later test, return or call summary reads (see factNames). */
  private readonly factVars: Set<string> | null;

  constructor(
    private readonly fn: CFunction,
    private readonly env: WalkEnv,
    context: ContextKind,
    private readonly entry: Held[],
  ) {
    this.facts = {
      name: fn.name, file: fn.file, context, partial: fn.partial, callSites: [], acquires: [], releases: [], workInits: [],
      queueings: [], wqAllocs: [], frees: [], objectAllocs: [], kthreads: [], notifiers: [], returns: [], requires: [],
    };
    this.factVars = factNamesOf(fn, (n) => env.kernel.rows("locks", n).length > 0 || !!env.net(n)?.acquired.length || !!env.net(n)?.released.length);
  }

  run(): FnFacts {
    this.collectLabels(this.fn.body, 0);
    const start: State = { held: [...this.entry], facts: {} };
    for (const a of this.fn.annotations) {
      if (a.name === "__must_hold" && a.arg) {
        const lc = this.classOfText(a.arg);
        this.facts.requires.push({ cls: lc.cls, expr: lc.expr, line: this.fn.line, how: "__must_hold" });
        if (findHeld(start.held, lc.cls, lc.expr) < 0) start.held.push({ ...lc, kind: "mutex", line: this.fn.line, origin: "assumed", via: "__must_hold" });
      }
    }
    // Backward gotos (retry loops) may feed states into labels already
    // passed; a second pass picks them up.
    for (let pass = 0; pass < 2; pass++) {
      const before = this.labelSignature();
      const flow = this.execList(this.fn.body, [start]);
      if (pass === 0) this.recordReturn(flow.normal, this.fn.endLine);
      if (this.labelSignature() === before) break;
    }
    return this.facts;
  }

  private labelSignature(): string {
    return [...this.labelStates.entries()].map(([k, v]) => `${k}:${v.length}`).join(",");
  }

  private collectLabels(list: Stmt[], depth: number): void {
    for (const s of list) {
      if (s.k === "label") this.labelDepth.set(s.name, depth);
      for (const child of childBlocks(s)) this.collectLabels(child, depth + 1);
    }
  }

  private classOfText(text: string): LockClass {
    const t = text.replace(/^&\s*/, "").trim();
    const m = /^([A-Za-z_]\w*)((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)$/.exec(t);
    if (m) {
      const fields = m[2].split(/->|\./).map((x) => x.trim()).filter(Boolean);
      return this.env.types.classOfPath({ root: m[1], fields }, this.fn, t);
    }
    return { cls: t.replace(/\s+/g, ""), expr: t.replace(/\s+/g, ""), typed: false };
  }

  // ---- statements ----------------------------------------------------------

  private execList(list: Stmt[], states: State[]): Flow {
    this.depth++;
    const out = empty();
    let cur = states;
    for (const s of list) {
      if (s.k === "label") {
        cur = normalize([...cur, ...(this.labelStates.get(s.name) ?? [])]);
        continue;
      }
      if (!cur.length) continue; // unreachable until a label
      const f = this.exec(s, cur);
      out.breaks.push(...f.breaks);
      out.continues.push(...f.continues);
      cur = f.normal;
    }
    // Guards taken in this block are released at its end.
    const depth = this.depth;
    const dropGuards = (ss: State[]) => ss.map((s) => ({ ...s, held: s.held.filter((h) => !(h.origin === "guard" && (h.scope ?? 0) >= depth)) }));
    out.normal = dropGuards(cur);
    out.breaks = dropGuards(out.breaks);
    out.continues = dropGuards(out.continues);
    this.depth--;
    return out;
  }

  private exec(s: Stmt, states: State[]): Flow {
    switch (s.k) {
      case "block":
        return this.execList(s.body, states);
      case "expr":
        // panic(), BUG(), do_exit() …: the path ends here (aic79xx frees after panic("BRKADRINT")).
        if (s.calls.some((c) => this.env.kernel.noReturn(c.name))) return { normal: [], breaks: [], continues: [] };
        return { normal: this.execExpr(s, states), breaks: [], continues: [] };
      case "if": {
        const { t, f } = this.execCond(s.cond, states);
        const a = this.exec(s.then, t);
        const b = s.else ? this.exec(s.else, f) : { normal: f, breaks: [], continues: [] };
        return { normal: normalize([...a.normal, ...b.normal]), breaks: [...a.breaks, ...b.breaks], continues: [...a.continues, ...b.continues] };
      }
      case "alt": {
        const out = empty();
        // Only a condition the function tests again needs remembering.
        const key = s.cond && repeatedConditions(this.fn).has(s.cond.key) ? `#if ${s.cond.key}` : null;
        for (const [i, br] of s.branches.entries()) {
          let ins = states.map(clone);
          if (key && s.branches.length === 2) {
            // A configuration is one choice for the whole function.
            const v = i === 0 ? s.cond!.first : !s.cond!.first;
            ins = ins.filter((st) => st.facts[key] === undefined || st.facts[key] === v).map((st) => ({ ...st, facts: { ...st.facts, [key]: v } }));
          }
          const f = this.exec(br, ins);
          out.normal.push(...f.normal);
          out.breaks.push(...f.breaks);
          out.continues.push(...f.continues);
        }
        out.normal = normalize(out.normal);
        return out;
      }
      case "loop":
        return { normal: this.execLoop(s, states), breaks: [], continues: [] };
      case "switch": {
        const entry = this.execCond(s.cond, states);
        const all = normalize([...entry.t, ...entry.f]);
        const exit: State[] = [];
        const out = empty();
        let fall: State[] = [];
        for (const c of s.cases) {
          const f = this.execList(c.body, normalize([...all.map(clone), ...fall]));
          exit.push(...f.breaks);
          out.continues.push(...f.continues);
          fall = f.normal;
        }
        exit.push(...fall);
        if (!s.hasDefault) exit.push(...all);
        out.normal = normalize(exit);
        return out;
      }
      case "return": {
        const last = s.calls[s.calls.length - 1];
        const cl = s.value?.call && last ? this.condAcquire(last) : null;
        if (cl?.when) {
          // `return prepare(…)`: the value returned says whether the lock is held.
          const before = this.execCall(last, this.execCalls(s.calls.slice(0, -1), states), true);
          const heldValue = cl.when === "nonzero";
          this.recordReturn(before.map((st) => cl.apply(clone(st))), s.line, { lit: heldValue });
          this.recordReturn(before, s.line, { lit: !heldValue });
          return empty();
        }
        const after = this.execCalls(s.calls, states);
        this.recordReturn(after, s.line, s.value);
        return empty();
      }
      case "goto": {
        const d = this.labelDepth.get(s.label) ?? 1;
        const moved = states.map((st) => ({ ...st, held: st.held.filter((h) => !(h.origin === "guard" && (h.scope ?? 0) > d)) }));
        this.labelStates.set(s.label, normalize([...(this.labelStates.get(s.label) ?? []), ...moved]));
        return empty();
      }
      case "break":
        return { normal: [], breaks: states, continues: [] };
      case "continue":
        return { normal: [], breaks: [], continues: states };
      case "label":
        return { normal: states, breaks: [], continues: [] };
      case "scoped": {
        const lc = s.arg ? this.env.types.classOfArg(s.arg, this.fn) : null;
        const g = this.env.kernel.guards.get(s.type);
        let inner = states;
        if (lc) inner = states.map((st) => this.acquire(st, lc, s.line, "scoped_guard", g?.mode, g?.kind ?? "mutex", "acquired", undefined, false, s.arg ?? undefined));
        const f = this.exec(s.body, inner);
        // scoped_guard is a for-loop in disguise: break leaves the scope.
        const leave = (ss: State[]) => (lc ? ss.map((st) => this.removeHeld(st, lc, false)) : ss);
        return { normal: normalize(leave([...f.normal, ...f.breaks])), breaks: [], continues: leave(f.continues) };
      }
    }
  }

  private execLoop(s: Extract<Stmt, { k: "loop" }>, states: State[]): State[] {
    let entry = normalize(states);
    const exits: State[] = [];
    // Iterate to a small fixed point over held sets (loops rarely need more).
    // Iterator macros over the same collection lock in one loop and unlock in
    // the next: taking them as running at least once keeps the pair matched.
    const atLeastOnce = s.doWhile || !!s.iterator;
    for (let i = 0; i < 3; i++) {
      let bodyIn: State[];
      if (atLeastOnce && i === 0) bodyIn = entry;
      else {
        const c = s.cond ? this.execCond(s.cond, entry) : { t: entry, f: entry };
        // `while (1)` / `for (;;)`: the condition never ends the loop; only breaks (and returns, gotos) leave it.
        if (!s.cond?.always) exits.push(...c.f);
        bodyIn = c.t;
      }
      const f = this.exec(s.body, bodyIn);
      exits.push(...f.breaks);
      // Loop-back states: for a loop that runs at least once, the states
      // before the first iteration never reach the condition again.
      const next = normalize([...(atLeastOnce && i === 0 ? [] : entry), ...f.normal, ...f.continues]);
      if (atLeastOnce && i === 0) {
        const c = s.cond ? this.execCond(s.cond, normalize([...f.normal, ...f.continues])) : { t: f.normal, f: f.normal };
        if (!s.cond?.always) exits.push(...c.f);
      }
      if (next.length === entry.length) {
        entry = next;
        break;
      }
      entry = next;
    }
    return normalize(exits);
  }

  // ---- conditions ----------------------------------------------------------

  /** Evaluate a condition: its calls run, then states split by the test. */
  private execCond(cond: Cond, states: State[]): { t: State[]; f: State[] } {
    const deferred = new Set<string>();
    collectTestCalls(cond.test, deferred);
    // Conditional acquisitions tested by the condition are applied per branch;
    // the calls still run here for their other effects.
    let after = states;
    for (const c of cond.calls) after = this.execCall(c, after, deferred.has(callKey(c)));
    for (const a of cond.assigns) after = after.map((s) => this.forgetVar(s, a.name));
    return { t: normalize(this.branch(after, cond.test, true)), f: normalize(this.branch(after, cond.test, false)) };
  }

  private branch(states: State[], test: Test, want: boolean): State[] {
    switch (test.t) {
      case "call": {
        const value = want !== test.negated; // the call's value is nonzero
        const rd = this.env.refDrop(test.call.name);
        const last = rd !== undefined && value === (rd === "nonzero");
        const mark = (s: State) => (last ? { ...s, lastRef: test.call.line } : s);
        const cl = this.condAcquire(test.call);
        if (!cl) return last ? states.map(mark) : states;
        if (!cl.when) return normalize(states.flatMap((s) => [cl.apply(mark(clone(s))), mark(clone(s))]));
        const acquired = (cl.when === "nonzero") === value;
        if (!acquired) return states.map((s) => mark(clone(s)));
        return states.map((s) => cl.apply(mark(clone(s))));
      }
      case "var": {
        const varNonzero = test.nonzero === want;
        // A value nothing reads again is not kept: states that differ only in it would not merge.
        const keep = !this.factVars || this.factVars.has(test.name);
        return states
          .filter((s) => s.facts[test.name] === undefined || s.facts[test.name] === varNonzero)
          .map((s) => ({
            ...s,
            // `counter = atomic_dec_return(…); if (!counter)`: the last-reference branch.
            ...(s.refVars?.[test.name] && (s.refVars[test.name].last === "nonzero") === varNonzero ? { lastRef: s.refVars[test.name].line } : {}),
            facts: keep ? { ...s.facts, [test.name]: varNonzero } : s.facts,
            // `if (!wq)` after an allocation: on the NULL branch nothing was allocated.
            held: varNonzero ? s.held : s.held.filter((h) => !(h.kind === "resource" && h.expr === test.name)),
          }));
      }
      case "not":
        return this.branch(states, test.e, !want);
      case "and":
        return want
          ? this.branch(this.branch(states, test.l, true), test.r, true)
          : [...this.branch(states, test.l, false), ...this.branch(this.branch(states, test.l, true), test.r, false)];
      case "or":
        return want
          ? [...this.branch(states, test.l, true), ...this.branch(this.branch(states, test.l, false), test.r, true)]
          : this.branch(this.branch(states, test.l, false), test.r, false);
      default:
        return states;
    }
  }

  /**
   * A call whose lock effect depends on its value: a kernel conditional
   * acquire (trylock, _interruptible, dec_and_lock), or a driver function
   * that returns holding a lock only on success. `when` is null when the
   * value does not tell (the lock may or may not be held afterwards).
   */
  private condAcquire(c: Call): { when: "zero" | "nonzero" | null; apply(s: State): State } | null {
    const row = this.env.kernel.first("locks", c.name);
    if (row && row.op === "acquire" && row.when) return { when: row.when, apply: (s) => this.acquireFromCall(s, c, row, true) };
    if (c.indirect || !this.env.isDefined(c.name)) return null;
    const conds = this.env.net(c.name)?.acquired.filter((a) => a.conditional) ?? [];
    if (!conds.length) return null;
    const whens = new Set(conds.map((a) => a.when ?? null));
    const when = whens.size === 1 ? [...whens][0] : null;
    return { when, apply: (s) => this.applyNet(s, c, { acquired: conds, released: [] }) };
  }

  private forgetVar(s: State, name: string): State {
    if (!(name in s.facts)) return s;
    const facts = { ...s.facts };
    delete facts[name];
    return { ...s, facts };
  }

  // ---- expressions and calls -----------------------------------------------

  private execExpr(s: Extract<Stmt, { k: "expr" }>, states: State[]): State[] {
    if (!s.writes?.length) return this.execExprInner(s, states);
    // Facts about conditions that mention an assigned lvalue no longer hold
    // (forgotten first: the statement itself may set a new one, `x = true`).
    let pats = writePatterns.get(s);
    if (!pats) writePatterns.set(s, (pats = s.writes.map((w) => new RegExp(`(^|[^\\w])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w])`))));
    const stale = (key: string) => pats!.some((re) => re.test(key));
    const fresh = states.map((st) => {
      const keys = Object.keys(st.facts).filter(stale);
      if (!keys.length) return st;
      const facts = { ...st.facts };
      for (const k of keys) delete facts[k];
      return { ...st, facts };
    });
    return this.execExprInner(s, fresh);
  }

  private execExprInner(s: Extract<Stmt, { k: "expr" }>, states: State[]): State[] {
    if (s.guard) {
      const g = this.env.kernel.guards.get(s.guard.type);
      if (!s.guard.arg) return states;
      const lc = this.env.types.classOfArg(s.guard.arg, this.fn);
      const depth = this.depth;
      return states.map((st) => this.acquire(st, lc, s.line, `guard(${s.guard!.type})`, g?.mode, g?.kind ?? "mutex", "guard", depth, false, s.guard!.arg!));
    }
    if (s.setVar) {
      const { name, value } = s.setVar;
      return states.map((x) => ({ ...x, facts: { ...x.facts, [name]: value } }));
    }
    const assign = s.assign;
    if (assign) this.noteAssignment(assign.target ?? { text: assign.name, addrOf: false, path: { root: assign.name, fields: [] } }, assign.call, s.line);
    if (assign) {
      const cl = this.condAcquire(assign.call);
      const last = s.calls[s.calls.length - 1];
      if (cl?.when && last && callKey(last) === callKey(assign.call)) {
        // `ret = mutex_lock_interruptible(&m)`, `p = prepare_locked(…)`: fork on the value kept.
        let before = this.execCalls(s.calls.slice(0, -1), states);
        before = this.execCall(assign.call, before, true).map((x) => this.forgetVar(x, assign.name));
        const lockedValueNonzero = (cl.when === "nonzero") !== !!assign.negated;
        const out: State[] = [];
        for (const st of before) {
          const withLock = cl.apply(clone(st));
          out.push({ ...withLock, facts: { ...withLock.facts, [assign.name]: lockedValueNonzero } });
          out.push({ ...st, held: [...st.held], facts: { ...st.facts, [assign.name]: !lockedValueNonzero } });
        }
        return normalize(out);
      }
      let after = this.execCalls(s.calls, states).map((x) => this.forgetVar(x, assign.name));
      const rd = this.env.refDrop(assign.call.name);
      const name = assign.name;
      after = after.map((x) => {
        const refVars = { ...(x.refVars ?? {}) };
        delete refVars[name];
        if (rd) refVars[name] = { last: assign.negated ? (rd === "zero" ? "nonzero" : "zero") : rd, line: s.line };
        return { ...x, refVars };
      });
      return this.trackAllocation(after, assign, s.line);
    }
    return this.execCalls(s.calls, states);
  }

  private execCalls(calls: Call[], states: State[]): State[] {
    let cur = states;
    for (const c of calls) cur = this.execCall(c, cur);
    return cur;
  }

  /** Parameter values every state agrees on (path conditions on parameters). */
  private paramConds(states: State[]): ParamCond[] {
    const out: ParamCond[] = [];
    this.fn.params.forEach((p, index) => {
      const vals = states.map((s) => s.facts[p.name]);
      if (vals.length && vals.every((v) => v !== undefined && v === vals[0])) out.push({ index, nonzero: vals[0]! });
    });
    return out;
  }

  private recordCallSite(c: Call, states: State[], lastRef = false): void {
    const key = `cs:${callKey(c)}`;
    const sets = heldSets(states);
    const ck = callKey(c);
    const existing = this.callSiteIndex.get(ck);
    if (existing) {
      mergeHeldSets(existing.heldSets, sets);
      existing.dropped = [...new Set([...existing.dropped, ...droppedOf(states)])].sort();
      existing.lastRef &&= onlyLastRef(states) || lastRef;
      existing.when = intersectConds(existing.when, this.paramConds(states));
      return;
    }
    this.seen.add(key);
    const site: FnFacts["callSites"][number] = {
      caller: this.fn.name, file: this.fn.file, line: c.line, callee: c.name, call: c, indirect: !!c.indirect, heldSets: sets, dropped: droppedOf(states),
      lastRef: onlyLastRef(states) || lastRef, when: this.paramConds(states),
    };
    this.facts.callSites.push(site);
    this.callSiteIndex.set(ck, site);
  }

  /** Run one call. With `condApplied`, its value-dependent lock effect is applied by the caller (branch or assignment). */
  private execCall(c: Call, states: State[], condApplied = false): State[] {
    if (!states.length) return states;
    this.recordCallSite(c, states);
    const k = this.env.kernel;
    const fnName = this.fn.name;

    // Lock operations.
    for (const row of k.rows("locks", c.name)) {
      if (row.op === "acquire") {
        if (row.when) {
          if (condApplied) return states;
          // Value unused here: the lock may or may not be held afterwards.
          return normalize(states.flatMap((s) => [this.acquireFromCall(clone(s), c, row, true), clone(s)]));
        }
        return states.map((s) => this.acquireFromCall(s, c, row, false));
      }
      if (row.op === "release") {
        return this.releaseAll(states, this.lockOperand(c, row), c.line, c.name);
      }
      if (row.op === "leave") {
        const prefix = row.lock ?? "";
        return states.map((st) => (st.held.some((h) => h.cls.startsWith(prefix)) ? { ...st, held: st.held.filter((h) => !h.cls.startsWith(prefix)) } : st));
      }
      if (row.op === "assert-held") {
        const lc = this.lockOperand(c, row);
        if (!this.facts.requires.some((r) => r.cls === lc.cls && r.line === c.line)) {
          this.facts.requires.push({ cls: lc.cls, expr: lc.expr, line: c.line, how: c.name });
        }
        return states.map((s) =>
          findHeld(s.held, lc.cls, lc.expr) >= 0 ? s : { ...s, held: [...s.held, { ...lc, kind: row.kind, line: c.line, origin: "assumed" as const, via: c.name }] },
        );
      }
    }

    // kref_put_mutex(kref, release, lock): release() runs holding the lock.
    const cul = k.first("callUnderLock", c.name);
    if (cul) {
      const lockArg = c.args[cul.lockArg];
      const cb = c.args[cul.callbackArg]?.ident;
      if (lockArg && cb) {
        const lc = this.env.types.classOfArg(lockArg, this.fn);
        const under = states.map((s) => this.acquire(clone(s), lc, c.line, c.name, undefined, "mutex", "acquired", undefined, true, lockArg));
        const cbCall: Call = { name: cb, args: [], line: c.line };
        this.recordCallSite(cbCall, under, true);
        // The callback is expected to drop the lock; either way it is not held after.
        return states;
      }
    }
    const cc = k.first("callsCallback", c.name);
    if (cc) {
      const cb = c.args[cc.callbackArg]?.ident;
      if (cb) this.recordCallSite({ name: cb, args: [], line: c.line }, states, this.env.refDrop(c.name) !== undefined);
    }
    // ccwgroup_set_offline() → the driver's .set_offline, `_exits[i]()` → each element: calls of what is stored there.
    for (const f of this.env.indirectCallees(c, this.fn.file)) this.recordCallSite({ name: f, args: [], line: c.line }, states);

    // Kernel internals: locks taken inside, waits (as lockdep pseudo-locks).
    for (const imp of k.rows("implicit", c.name)) {
      for (const a of imp.acquires) {
        const lc: LockClass = { cls: a.lock, expr: a.lock, typed: true };
        this.recordAcquire(lc, c, states, "implicit", a.mode, imp.note, !!imp.conditional, true);
      }
      for (const w of imp.waits) {
        for (const target of this.waitTargets(w, c)) {
          this.recordAcquire(target, c, states, "wait", w.mode, imp.note, false, true);
          if (imp.destroys && target.cls.startsWith("wq:")) {
            const res = `alloc:${target.cls}`;
            states = states.map((st) => (st.held.some((x) => x.cls === res) ? { ...st, held: st.held.filter((x) => x.cls !== res) } : st));
          }
        }
      }
    }

    // Work items, workqueues, threads, frees, notifiers: facts for rules.
    for (const wi of k.rows("workInit", c.name)) {
      const item = c.args[wi.workArg];
      const fnArg = c.args[wi.fnArg]?.ident;
      if (item && fnArg) this.facts.workInits.push({ file: this.fn.file, line: c.line, function: fnName, item: this.env.types.classOfWork(item, this.fn), fn: fnArg, delayed: wi.delayed, api: c.name });
    }
    for (const wq of k.rows("workQueue", c.name)) {
      const item = c.args[wq.workArg];
      const wqArg = wq.wqArg !== undefined ? c.args[wq.wqArg] : undefined;
      if (!item) continue;
      const wqc: LockClass = wqArg ? this.env.types.classOfArg(wqArg, this.fn) : { cls: wq.wq ?? "system_wq", expr: wq.wq ?? "system_wq", typed: true };
      this.facts.queueings.push({ file: this.fn.file, line: c.line, function: fnName, item: this.env.types.classOfWork(item, this.fn), wq: wqc, api: c.name, heldSets: heldSets(states) });
    }
    for (const fr of k.rows("free", c.name)) {
      const a = c.args[fr.arg];
      if (a && !this.facts.frees.some((x) => x.line === c.line && x.argText === a.text)) {
        this.facts.frees.push({ file: this.fn.file, line: c.line, function: fnName, target: a.path ? this.env.types.classOfArg(a, this.fn) : null, argText: a.text, api: c.name, lastRef: onlyLastRef(states) });
      }
    }
    for (const nr of k.rows("notifiers", c.name)) {
      const nb = c.args[nr.nbArg];
      const chainArg = nr.chainArg !== undefined ? c.args[nr.chainArg] : undefined;
      const chain = nr.chain ?? (chainArg ? this.env.types.objectClass(chainArg, this.fn) : "?");
      this.facts.notifiers.push({
        file: this.fn.file, line: c.line, function: fnName, op: nr.op, chain, nb: nb ? this.env.types.classOfArg(nb, this.fn) : null, nbText: nb?.text ?? "", blocking: nr.blocking,
      });
      if (nr.op === "unregister" && nr.blocking && !k.rows("implicit", c.name).length) {
        this.recordAcquire({ cls: `notifier:${chain}`, expr: chain, typed: true }, c, states, "wait", "write", "unregistering a blocking notifier takes the chain rwsem for write", false, true);
      }
    }

    // A callee defined in the analysed code: apply its net lock effect.
    if (!c.indirect && this.env.isDefined(c.name)) {
      // Cleanup done below (an init error path calling the module's exit function): allocations it destroys end here.
      const gone = this.env.destroyedBy(c.name);
      if (gone.length) states = states.map((st) => (st.held.some((h) => h.kind === "resource" && gone.includes(h.cls.slice(6))) ? { ...st, held: st.held.filter((h) => !(h.kind === "resource" && gone.includes(h.cls.slice(6)))) } : st));
      const net = this.env.net(c.name);
      if (net && (net.acquired.length || net.released.length)) {
        let out = this.releaseAll(states, null, c.line, c.name, c, net.released);
        const always = net.acquired.filter((a) => !a.conditional);
        if (always.length) out = out.map((s) => this.applyNet(s, c, { acquired: always, released: [] }));
        const cond = net.acquired.filter((a) => a.conditional);
        if (cond.length && !condApplied) out = normalize(out.flatMap((s) => [this.applyNet(clone(s), c, { acquired: cond, released: [] }), s]));
        return out;
      }
    }
    return states;
  }

  /**
   * A workqueue allocation is tracked like a held resource (`alloc:wq:<class>`)
   * until destroy_workqueue(); returns that still hold it leak the workqueue.
   * It never takes part in lock ordering.
   */
  private trackAllocation(states: State[], assign: NonNullable<Extract<Stmt, { k: "expr" }>["assign"]>, line: number): State[] {
    if (!this.env.kernel.rows("wqAlloc", assign.call.name).length) return states;
    const target = assign.target ?? { text: assign.name, addrOf: false, path: { root: assign.name, fields: [] } };
    const lc = this.env.types.classOfArg(target, this.fn);
    const h: Held = { cls: `alloc:wq:${lc.cls}`, expr: target.text.replace(/\s+/g, ""), typed: lc.typed, kind: "resource", line, origin: "acquired" };
    return states.map((st) => ({ ...st, held: [...st.held.filter((x) => x.cls !== h.cls), h] }));
  }

  /** Record an allocation whose result is stored: `wq = alloc_workqueue(…)`, `t = kthread_run(…)`. */
  noteAssignment(target: Arg | undefined, call: Call, line: number): void {
    const k = this.env.kernel;
    const tgt = target ? this.env.types.classOfArg(target, this.fn) : null;
    if (k.rows("objectAlloc", call.name).length && target && !this.facts.objectAllocs.some((o) => o.line === line)) {
      this.facts.objectAllocs.push({ line, variable: target.text.replace(/\s+/g, ""), api: call.name });
    }
    if (this.facts.wqAllocs.some((w) => w.line === line && w.api === call.name) || this.facts.kthreads.some((t) => t.line === line)) return;
    for (const wa of k.rows("wqAlloc", call.name)) {
      const nameArg = wa.nameArg !== undefined ? call.args[wa.nameArg]?.text : undefined;
      this.facts.wqAllocs.push({ file: this.fn.file, line, function: this.fn.name, target: tgt, name: nameArg, api: call.name });
    }
    for (const kt of k.rows("kthreadCreate", call.name)) {
      const f = call.args[kt.fnArg]?.ident;
      if (f) this.facts.kthreads.push({ file: this.fn.file, line, function: this.fn.name, fn: f, target: tgt });
    }
  }

  private waitTargets(w: { on: string; arg?: number; target?: string; mode?: "read" | "write" }, c: Call): LockClass[] {
    const arg = w.arg !== undefined ? c.args[w.arg] : undefined;
    switch (w.on) {
      case "workqueue": {
        const lc = arg ? this.env.types.classOfArg(arg, this.fn) : { cls: w.target ?? "?", expr: w.target ?? "?", typed: true };
        return [{ ...lc, cls: `wq:${lc.cls}` }];
      }
      case "work": {
        if (!arg) return [];
        const item = this.env.types.classOfWork(arg, this.fn);
        const fns = this.env.workFns(item.cls);
        if (!fns.length) return [{ ...item, cls: `work:${item.cls}` }];
        return fns.map((f) => ({ ...item, cls: `work:${f}` }));
      }
      case "kthread": {
        if (!arg) return [];
        const t = this.env.types.classOfArg(arg, this.fn);
        const f = this.env.kthreadFn(t.cls);
        return [{ ...t, cls: `kthread:${f ?? t.cls}` }];
      }
      case "timer": {
        // del_timer_sync()/hrtimer_cancel() wait for a callback that is running.
        if (!arg) return [];
        const t = this.env.types.classOfWork(arg, this.fn);
        const fns = this.env.timerFns(t.cls);
        return fns.length ? fns.map((f) => ({ ...t, cls: `timer:${f}` })) : [{ ...t, cls: `timer:${t.cls}` }];
      }
      case "kernfs": {
        // A removal waits for the callbacks of that object's attributes, and
        // for those whose object is not known (they may be its own).
        const kind = w.target ?? "device";
        const owner = kind === "device" && arg ? deviceObjectOwner(arg, this.fn, this.env.types) : null;
        const expr = arg?.text ?? "sysfs";
        return [...(owner ? [{ cls: kernfsClass(kind, owner), expr, typed: true }] : []), { cls: kernfsClass(kind, null), expr, typed: true }];
      }
      case "completion": {
        // wait_for_completion(&x) where a work function does complete(&x):
        // this function waits for that work (a driver's own flush).
        if (!arg) return [];
        const cc = this.env.types.classOfArg(arg, this.fn);
        return this.env.completers(cc.cls, this.fn.name).map((w) => ({ cls: `work:${w}`, expr: w, typed: cc.typed }));
      }
      case "notifier-chain": {
        const cls = arg ? this.env.types.objectClass(arg, this.fn) : (w.target ?? "?");
        return [{ cls: `notifier:${cls}`, expr: arg?.text ?? cls, typed: true }];
      }
      default:
        return [];
    }
  }

  private lockOperand(c: Call, row: { arg?: number; lock?: string }): LockClass {
    if (row.lock) return { cls: row.lock, expr: row.lock, typed: true };
    const a = c.args[row.arg ?? 0];
    if (!a) return { cls: "?", expr: "?", typed: false };
    return this.env.types.classOfArg(a, this.fn);
  }

  private acquireFromCall(s: State, c: Call, row: { arg?: number; lock?: string; mode?: "read" | "write"; kind: string; nonblocking?: boolean }, conditional: boolean): State {
    const lc = this.lockOperand(c, row);
    const arg = row.arg !== undefined ? c.args[row.arg] : undefined;
    if (row.kind === "semaphore" && this.env.handedOff(lc.cls)) {
      // Released by a completion callback (bio end_io, closure): the down()
      // waits like a lock, but what follows does not run "under" it.
      this.recordAcquire(lc, { name: c.name, args: arg ? [arg] : [], line: c.line }, [s], "lock", row.mode, "released by a callback", conditional, true, row.nonblocking);
      return s;
    }
    return this.acquire(s, lc, c.line, c.name, row.mode, row.kind, "acquired", undefined, conditional, arg, row.nonblocking);
  }

  private acquire(
    s: State, lc: LockClass, line: number, api: string, mode: "read" | "write" | undefined, kind: string,
    origin: Held["origin"], scope: number | undefined, conditional: boolean, arg?: Arg, nonblocking?: boolean,
  ): State {
    this.recordAcquire(lc, { name: api, args: arg ? [arg] : [], line }, [s], "lock", mode, undefined, conditional, false, nonblocking);
    if (arg) {
      const pr = paramRef(this.fn, arg);
      if (pr) this.paramRefs.set(lc.expr, pr);
    }
    const dropped = this.droppedAt.get(lc.cls);
    if (dropped !== undefined) {
      for (const r of this.facts.releases) if (r.cls === lc.cls && r.line === dropped && r.relockLine === undefined) r.relockLine = line;
    }
    // The same lock expression taken again (one lock per element in a loop):
    // still one entry in the held set; the acquisition itself was recorded.
    if (origin !== "guard" && s.held.some((h) => h.cls === lc.cls && h.expr === lc.expr)) return s;
    const restores = s.dropped?.includes(lc.cls) || undefined;
    const h: Held = { cls: lc.cls, expr: lc.expr, typed: lc.typed, mode, kind, line, origin, scope, conditional: conditional || undefined, restores };
    return { ...s, held: [...s.held, h], dropped: s.dropped?.filter((d) => d !== lc.cls) };
  }

  private recordAcquire(
    lc: LockClass, c: Call, states: State[], how: "lock" | "implicit" | "wait", mode: "read" | "write" | undefined,
    note: string | undefined, conditional: boolean, transient: boolean, nonblocking?: boolean,
  ): void {
    const sets = heldSets(states);
    const ak = `${c.line}|${lc.cls}|${c.name}`;
    const existing = this.acquireIndex.get(ak);
    if (existing) {
      mergeHeldSets(existing.heldSets, sets);
      existing.dropped = [...new Set([...existing.dropped, ...droppedOf(states)])].sort();
      existing.lastRef &&= onlyLastRef(states);
      existing.when = intersectConds(existing.when, this.paramConds(states));
      return;
    }
    const acq: FnFacts["acquires"][number] = {
      file: this.fn.file, line: c.line, function: this.fn.name, cls: lc.cls, expr: lc.expr, typed: lc.typed, mode, how, api: c.name, note,
      heldSets: sets, dropped: droppedOf(states), lastRef: onlyLastRef(states), when: this.paramConds(states), conditional, transient,
      ...(nonblocking ? { nonblocking } : {}),
    };
    this.facts.acquires.push(acq);
    this.acquireIndex.set(ak, acq);
  }

  /**
   * Unlock in every state. The release is recorded once, with the best
   * match over all paths (a lock taken on one path and not on another is a
   * path merge, not an unlock of something never taken).
   */
  private releaseAll(states: State[], lc: LockClass | null, line: number, api: string, viaCall?: Call, viaNet?: NetEffects["released"]): State[] {
    const items: LockClass[] = lc ? [lc] : (viaNet ?? []).map((r) => this.reroot(r, viaCall!));
    let out = states;
    for (const item of items) {
      const origins = new Set<Held["origin"] | "none">();
      let heldVia: string | undefined;
      for (const s of out) {
        const i = findHeld(s.held, item.cls, item.expr);
        origins.add(i >= 0 ? s.held[i].origin : "none");
        if (i >= 0 && (s.held[i].origin === "context" || s.held[i].origin === "assumed")) heldVia = s.held[i].via;
      }
      const matched: Release["matched"] = (["acquired", "callee", "guard", "context", "assumed"] as const).find((o) => origins.has(o)) ?? "none";
      const dropsCaller = matched === "none" || matched === "context" || matched === "assumed";
      if (!this.facts.releases.some((r) => r.line === line && r.cls === item.cls && r.matched === matched)) {
        this.facts.releases.push({
          file: this.fn.file, line, function: this.fn.name, cls: item.cls, expr: item.expr, api, matched,
          heldVia: dropsCaller ? heldVia : undefined, viaCallee: viaCall?.name, partial: this.fn.partial,
        });
      }
      if (dropsCaller) this.droppedAt.set(item.cls, line);
      out = out.map((s) => this.removeHeld(s, item, dropsCaller));
    }
    return out;
  }

  private removeHeld(s: State, lc: LockClass, dropsCaller: boolean): State {
    const i = findHeld(s.held, lc.cls, lc.expr);
    // Releasing a lock this function re-took for its caller drops the caller's lock again.
    const again = dropsCaller || (i >= 0 && !!s.held[i].restores);
    const dropped = again ? [...new Set([...(s.dropped ?? []), lc.cls])].sort() : s.dropped;
    if (i < 0) return dropsCaller ? { ...s, dropped } : s;
    const held = [...s.held];
    held.splice(i, 1);
    return { ...s, held, dropped };
  }

  private applyNet(s: State, c: Call, net: NetEffects): State {
    let st = s;
    for (const a of net.acquired) {
      const lc = this.reroot(a, c);
      // A mutex cannot be taken twice: a duplicate is an imprecise path, not a second hold.
      if (st.held.some((h) => h.cls === lc.cls)) continue;
      const h: Held = {
        cls: lc.cls, expr: lc.expr, typed: lc.typed, mode: a.mode, kind: a.kind, line: c.line, origin: "callee", via: c.name,
        conditional: a.conditional || undefined, restores: st.dropped?.includes(lc.cls) || undefined,
      };
      const dropped = this.droppedAt.get(lc.cls);
      if (dropped !== undefined) {
        for (const r of this.facts.releases) if (r.cls === lc.cls && r.line === dropped && r.relockLine === undefined) r.relockLine = c.line;
      }
      st = { ...st, held: [...st.held, h], dropped: st.dropped?.filter((d) => d !== lc.cls) };
    }
    return st;
  }

  /** A callee's lock expressed in the caller's terms (through the argument). */
  private reroot(x: { cls: string; expr: string; typed?: boolean; param?: ParamRef }, c: Call): LockClass {
    if (x.param) {
      const a = c.args[x.param.index];
      if (a?.path) {
        const path = { root: a.path.root, fields: [...a.path.fields, ...x.param.fields] };
        const text = [a.text.replace(/^&\s*/, ""), ...x.param.fields].join("->");
        return this.env.types.classOfPath(path, this.fn, text);
      }
    }
    return { cls: x.cls, expr: x.expr, typed: x.typed ?? true };
  }

  private recordReturn(states: State[], line: number, value?: { lit?: boolean; var?: string; call?: boolean }): void {
    for (const s of states) {
      const held = s.held.filter((h) => h.origin !== "guard");
      const v = value?.lit ?? (value?.var !== undefined ? s.facts[value.var] : undefined);
      const refLast = value?.var !== undefined ? s.refVars?.[value.var]?.last : undefined;
      if (!this.facts.returns.some((r) => r.line === line && r.value === v && sameHeld(r.held, held))) this.facts.returns.push({ line, held, value: v, ...(refLast ? { refLast } : {}) });
    }
  }
}

type Release = FnFacts["releases"][number];

function intersectConds(a: ParamCond[], b: ParamCond[]): ParamCond[] {
  return a.filter((x) => b.some((y) => y.index === x.index && y.nonzero === x.nonzero));
}

function sameHeld(a: Held[], b: Held[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => x.cls === b[i].cls && x.origin === b[i].origin);
}

function mergeHeldSets(into: Held[][], add: Held[][]): void {
  for (const h of add) {
    const k = h.map((x) => `${x.cls}|${x.origin}`).sort().join(";");
    if (!into.some((e) => e.map((x) => `${x.cls}|${x.origin}`).sort().join(";") === k) && into.length < 8) into.push(h);
  }
}

const ppCache = new WeakMap<CFunction, Set<string>>();
/** Preprocessor conditions that guard more than one block of the function. */
function repeatedConditions(fn: CFunction): Set<string> {
  let out = ppCache.get(fn);
  if (!out) {
    const n = new Map<string, number>();
    forEachStmt(fn.body, (s) => {
      if (s.k === "alt" && s.cond) n.set(s.cond.key, (n.get(s.cond.key) ?? 0) + 1);
    });
    out = new Set([...n].filter(([, c]) => c > 1).map(([k]) => k));
    ppCache.set(fn, out);
  }
  return out;
}

// A function is walked up to three times in a recursive SCC, and its model is
// shared by both images when its file did not change.
const factNamesCache = new WeakMap<CFunction, Set<string> | null>();
function factNamesOf(fn: CFunction, isLockCall: (name: string) => boolean): Set<string> | null {
  if (!factNamesCache.has(fn)) factNamesCache.set(fn, factNames(fn, isLockCall));
  return factNamesCache.get(fn)!;
}

/**
 * Variables a fact learnt from a test can matter for: tested more than once
 * (a test inside a loop counts twice), returned, or a parameter (call
 * summaries read parameter values). A value tested only inside loops is
 * kept only when one of its tests guards a lock operation: tests of the
 * loop cursor's fields (lpfc_els_flush_cmd() in Linux 6.1 has five) would
 * otherwise multiply states until every fact is dropped — the one that
 * pairs a lock with its unlock too. Null when a backward goto can re-run
 * any test: then every fact is kept.
 */
export function factNames(fn: CFunction, isLockCall: (name: string) => boolean = () => true): Set<string> | null {
  const tests = new Map<string, { n: number; outside: boolean; guards: boolean }>();
  const out = new Set<string>(fn.params.map((p) => p.name));
  const labels = new Set<string>();
  let backward = false;
  const guardsLock = (s: Stmt): boolean => {
    let found = false;
    forEachStmt([s], (x) => {
      if (!found) for (const c of callsOfStmt(x)) if (isLockCall(c.name)) found = true;
    });
    return found;
  };
  const count = (t: Test, weight: number, inLoop: boolean, guards: () => boolean): void => {
    if (t.t === "var") {
      const have = tests.get(t.name) ?? { n: 0, outside: false, guards: false };
      have.n += weight;
      have.outside ||= !inLoop;
      if (inLoop && !have.guards) have.guards = guards();
      tests.set(t.name, have);
    } else if (t.t === "not") count(t.e, weight, inLoop, guards);
    else if (t.t === "and" || t.t === "or") {
      count(t.l, weight, inLoop, guards);
      count(t.r, weight, inLoop, guards);
    }
  };
  forEachStmt(fn.body, (s, inLoop) => {
    const weight = inLoop ? 2 : 1;
    if (s.k === "if") count(s.cond.test, weight, inLoop, () => guardsLock(s.then) || (!!s.else && guardsLock(s.else)));
    else if (s.k === "switch") count(s.cond.test, weight, inLoop, () => s.cases.some((c) => c.body.some(guardsLock)));
    else if (s.k === "loop" && s.cond) count(s.cond.test, 2, true, () => guardsLock(s.body));
    else if (s.k === "return" && s.value?.var !== undefined) out.add(s.value.var);
    else if (s.k === "label") labels.add(s.name);
    else if (s.k === "goto" && labels.has(s.label)) backward = true;
  });
  if (backward) return null;
  for (const [name, t] of tests) if (t.n > 1 && (t.outside || t.guards)) out.add(name);
  return out;
}

function callsOfStmt(s: Stmt): Call[] {
  if (s.k === "expr" || s.k === "return") return s.calls;
  if (s.k === "if" || s.k === "switch") return s.cond.calls;
  if (s.k === "loop") return s.cond?.calls ?? [];
  return [];
}

function collectTestCalls(t: Test, out: Set<string>): void {
  switch (t.t) {
    case "call":
      out.add(callKey(t.call));
      break;
    case "and":
    case "or":
      collectTestCalls(t.l, out);
      collectTestCalls(t.r, out);
      break;
    case "not":
      collectTestCalls(t.e, out);
      break;
    default:
      break;
  }
}

function childBlocks(s: Stmt): Stmt[][] {
  switch (s.k) {
    case "block":
      return [s.body];
    case "if":
      return [[s.then], ...(s.else ? [[s.else]] : [])];
    case "alt":
      return [s.branches];
    case "loop":
      return [[s.body]];
    case "switch":
      return s.cases.map((c) => c.body);
    case "scoped":
      return [[s.body]];
    default:
      return [];
  }
}
