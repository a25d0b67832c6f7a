// wq-not-drained-on-exit: teardown that can leave work running.
//  - a module-level workqueue allocated but not destroyed on module exit
//    (error when the exit path waits for no work at all);
//  - a workqueue allocated in an init/probe path that returns an error
//    without destroying it;
//  - a per-device workqueue that nothing in the driver destroys (drbd 2022);
//  - an object freed while a work item embedded in it may still be queued
//    (no cancel_work_sync()/flush_work()/destroy of its queue anywhere in the
//    driver; frees on a final put or in the allocating function's error path
//    are not counted);
//  - module-level work left queued at module exit.
// nbd's 68c9417b193d (seed 000) is the model of doing it right: nbd_del_wq is
// destroyed in nbd_cleanup() and on the init error path.
import type { Analysis, FunctionInfo } from "../src/analysis/program.js";
import { forEachStmt, type CFunction } from "../src/cmodel/ir.js";
import type { Effect } from "../src/analysis/summary.js";
import { confidenceOf } from "../src/review/evidence.js";
import { INCIDENTS } from "../src/review/incidents.js";
import { drainedAnywhere, drainsOf, newInImage, queuedWithReference, reachesThroughCalls, teardownRole, type TeardownRole } from "../src/analysis/teardown.js";
import type { CompareContext, Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

/** Waits (pseudo-lock classes) a function performs, directly or below. */
function waitsOf(info: FunctionInfo): Set<string> {
  const out = new Set<string>();
  for (const e of info.summary.effects) if (e.how === "wait") out.add(`${e.cls}|${e.api}`);
  return out;
}

function hasWait(info: FunctionInfo, cls: string, apis?: string[]): boolean {
  return info.summary.effects.some((e) => e.how === "wait" && e.cls === cls && (!apis || apis.includes(e.api)));
}

function exitFunctions(a: Analysis): FunctionInfo[] {
  return a.moduleExit.map((n) => a.functions.get(n)).filter((x): x is FunctionInfo => !!x && !x.fn.partial);
}

/**
 * An error return by the function's return type: nonzero for int-like
 * (-ENOMEM), NULL for pointers and false for bool (a pointer or bool
 * returned nonzero is the success path of a *_create()).
 */
function isErrorReturn(f: FunctionInfo, value: boolean | undefined): boolean {
  const t = f.fn.returns;
  if (t && (t.pointer > 0 || t.name === "bool")) return value === false;
  return value === (successIsNonzero(f.fn) ? false : true);
}

/**
 * An int function that ends in `return 1;` and fails with `return 0;`
 * (esas2r_init_adapter(), pvscsi_setup_msg_workqueue() in 6.1): its
 * callers test `if (!f())`, so zero is the error.
 */
function successIsNonzero(fn: CFunction): boolean {
  const known = polarity.get(fn);
  if (known !== undefined) return known;
  const last = fn.body[fn.body.length - 1];
  let zero = false;
  if (last?.k === "return" && last.value?.positive) {
    forEachStmt(fn.body, (s) => {
      if (s.k === "return" && s.value?.lit === false) zero = true;
    });
  }
  polarity.set(fn, zero);
  return zero;
}
/** Read once per function model (every error return of every allocation asks). */
const polarity = new WeakMap<CFunction, boolean>();

function partialExits(a: Analysis): FunctionInfo[] {
  return a.moduleExit.map((n) => a.functions.get(n)).filter((x): x is FunctionInfo => !!x && x.fn.partial);
}

/** Waits reached from `info` at call sites (or direct acquisitions) before `line`. */
function waitsBefore(a: Analysis, info: FunctionInfo, line: number): Set<string> {
  const out = new Set<string>();
  for (const x of info.facts.acquires) if (x.how === "wait" && x.line <= line) out.add(x.cls);
  for (const cs of info.facts.callSites) {
    if (cs.line > line || cs.indirect) continue;
    const s = a.functions.get(cs.callee)?.summary;
    for (const e of s?.effects ?? []) if (e.how === "wait") out.add(e.cls);
  }
  return out;
}

const rule: Rule = {
  meta: {
    id: "wq-not-drained-on-exit",
    title: "Work left running at teardown",
    family: "F4",
    defaultSeverity: "warning",
    description: "Require destroying workqueues and cancelling or flushing work before module exit, on init error paths, and before freeing the object that embeds the work.",
    docs: "docs/rules/wq-not-drained-on-exit.md",
    incidents: [INCIDENTS.nbdDelWq, INCIDENTS.drbdSubmitWq],
    fix: "Destroy the workqueue in the exit/remove path and on every error path after its allocation (nbd: destroy_workqueue(nbd_del_wq) in nbd_cleanup() and in nbd_init()'s error path); cancel_work_sync()/flush_work() before freeing the object that embeds the work.",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const out: RuleFinding[] = [];
    const exits = exitFunctions(a);
    const allocs = [...a.functions.values()].flatMap((f) => f.facts.wqAllocs.map((w) => ({ w, f })));
    const destroyed = new Set<string>();
    if (allocs.length) for (const x of a.functions.values()) for (const q of x.facts.acquires) if (q.api === "destroy_workqueue") destroyed.add(q.cls);

    for (const { w, f } of allocs) {
      if (!w.target) continue;
      const T = w.target.cls;
      const wqCls = `wq:${T}`;
      const global = !T.includes(".") && !T.includes(":") && !T.includes("->");
      const destroyedSomewhere = destroyed.has(wqCls);

      // Init error paths: returns of the allocating function that still hold the allocation.
      const leaks = f.facts.returns.filter((r) => isErrorReturn(f, r.value) && r.held.some((h) => h.cls === `alloc:${wqCls}`));
      const isInit = f.entries.some((e) => e.kind === "init" || e.kind === "probe") || a.moduleInit.includes(f.fn.name);
      // From a diff: only when the hunk shows everything from the allocation to the return.
      const seenWhole = (line: number) => !f.fn.partial || shownBetween(a, f.fn.file, w.line, line);
      const shownLeaks = leaks.filter((r) => seenWhole(r.line));
      if (shownLeaks.length && (isInit || global)) {
        const r = shownLeaks[0];
        out.push({
          ruleId: rule.meta.id,
          severity: "warning",
          confidence: "high",
          file: f.fn.file,
          line: r.line,
          function: f.fn.name,
          message: `${f.fn.name}() returns an error at line ${r.line} after allocating ${w.target.expr} (line ${w.line}) without destroy_workqueue(${w.target.expr}).`,
          question: `Should ${w.target.expr} be destroyed on this error path? It was allocated at line ${w.line} and ${f.fn.name}() fails here without destroy_workqueue().`,
          trace: [
            { file: w.file, line: w.line, function: w.function, note: `${w.target.expr} = ${w.api}(${w.name ?? ""})` },
            { file: f.fn.file, line: r.line, function: f.fn.name, note: "error return, workqueue still allocated" },
          ],
          key: `${f.fn.name}|${T}|error-path`,
          pathKey: f.fn.name,
          chain: [{ file: w.file, line: w.line }, { file: f.fn.file, line: r.line }],
        });
      }

      if (global) {
        if (!exits.length) continue; // no visible exit path: nothing to say
        const drained = exits.some((x) => hasWait(x, wqCls, ["destroy_workqueue"])) || partialExits(a).some((x) => hasWait(x, wqCls, ["destroy_workqueue"]));
        if (drained) continue;
        // An exit function seen only in part (the diff's hunks) may destroy it where we cannot see.
        if (partialExits(a).length) continue;
        const anyDrain = exits.some((x) => waitsOf(x).size > 0);
        const ex = exits[0];
        out.push({
          ruleId: rule.meta.id,
          severity: anyDrain ? "warning" : "error",
          confidence: "high",
          file: w.file,
          line: w.line,
          function: w.function,
          message: `${w.target.expr} is allocated here but ${ex.fn.name}() (module exit) never destroys it${anyDrain ? "" : "; the exit path waits for no work at all"}: work still queued can run after the module is gone.`,
          question: `Where is ${w.target.expr} destroyed? ${ex.fn.name}() does not call destroy_workqueue(${w.target.expr}), so work still queued on it may run after module unload.`,
          trace: [
            { file: w.file, line: w.line, function: w.function, note: `${w.target.expr} = ${w.api}(${w.name ?? ""})` },
            { file: ex.fn.file, line: ex.fn.line, function: ex.fn.name, note: "module exit: no destroy_workqueue()" },
          ],
          key: `${T}|module-exit`,
          pathKey: `${w.function}>${ex.fn.name}`,
          chain: [{ file: w.file, line: w.line }, { file: ex.fn.file, line: ex.fn.line }],
        });
      } else if (!destroyedSomewhere && ctx.kind !== "hunks" && !T.includes("->") && T.includes(".")) {
        out.push({
          ruleId: rule.meta.id,
          severity: "warning",
          confidence: "medium",
          file: w.file,
          line: w.line,
          function: w.function,
          message: `${w.target.expr} (${T}) is allocated here but nothing in the driver destroys it: the workqueue leaks, and work on it can outlive the device.`,
          question: `Where is ${w.target.expr} destroyed? No destroy_workqueue() of it is visible in the driver, so it leaks when the device is freed.`,
          trace: [{ file: w.file, line: w.line, function: w.function, note: `${w.target.expr} = ${w.api}(${w.name ?? ""})` }],
          key: `${T}|never-destroyed`,
          pathKey: w.function,
          chain: [{ file: w.file, line: w.line }],
          limitations: ["only the driver's own files were searched for destroy_workqueue()"],
        });
      }
    }

    // Objects freed while their embedded work may still be queued. Teardown
    // usually cancels in one function (->remove) and frees in another (the
    // final put): ordering across functions cannot be proven statically, so a
    // finding needs the work to be cancelled nowhere in the driver — or in the
    // freeing function only after the free.
    const queued = new Set<string>();
    for (const f of a.functions.values()) for (const q of f.facts.queueings) queued.add(q.item.cls);
    const allWaits = new Map<string, { fn: string; line: number }[]>();
    for (const f of a.functions.values()) {
      for (const x of f.facts.acquires) if (x.how === "wait") allWaits.set(x.cls, [...(allWaits.get(x.cls) ?? []), { fn: f.fn.name, line: x.line }]);
    }
    const seen = new Set<string>();
    for (const [item, bindings] of a.workBindings) {
      if (!queued.has(item) || !item.includes(".")) continue;
      if (queuedWithReference(a, item)) continue; // the work holds the object until it is done
      const struct = item.slice(0, item.indexOf("."));
      const fns = bindings.map((b) => b.fn);
      const waitClasses = [...fns.map((fn) => `work:${fn}`), ...fns.flatMap((fn) => [...(a.workQueues.get(fn) ?? [])].map((q) => `wq:${q}`))];
      const drains = waitClasses.flatMap((c) => allWaits.get(c) ?? []);
      for (const info of a.functions.values()) {
        if (fns.includes(info.fn.name) || info.fn.partial) continue; // the work freeing its own object is fine
        if (info.entries.some((e) => e.kind === "work" && e.holds.some((h) => fns.some((fn) => h.cls === `work:${fn}`)))) continue;
        for (const fr of info.facts.frees) {
          const root = fr.argText.replace(/^\(.*?\)\s*/, "").match(/^[A-Za-z_]\w*$/)?.[0];
          if (!root) continue;
          const t = a.types.varType(root, info.fn).type;
          if (!t || t.name !== struct) continue;
          // Freed by the function that allocated it: a construction error path,
          // before the work could have been queued.
          if (info.facts.objectAllocs.some((o) => o.variable === root && o.line < fr.line)) continue;
          // Freed on a final put: the reference counting accounts for the work (it holds a reference).
          if (fr.lastRef) continue;
          const before = waitsBefore(a, info, fr.line);
          if (waitClasses.some((c) => before.has(c))) continue;
          // The work reaches this free itself (it drops its object's reference, whose release frees it): it owns the object until then.
          if (fns.some((w) => reachesThroughCalls(a, w, info.fn.name))) continue;
          const here = drains.filter((d) => d.fn === info.fn.name);
          if (drains.length && !here.length) continue; // cancelled elsewhere in the teardown
          const key = `${info.fn.name}|${item}|free`;
          if (seen.has(key)) continue;
          seen.add(key);
          const b = bindings[0];
          const late = here.length ? ` (${info.fn.name}() cancels it only at line ${here[0].line}, after the free)` : "";
          out.push({
            ruleId: rule.meta.id,
            severity: "warning",
            confidence: confidenceOf(ctx.kind === "hunks" ? ["callers that cancel the work before this function were not visible"] : []),
            file: fr.file,
            line: fr.line,
            function: info.fn.name,
            message: `${info.fn.name}() frees ${fr.argText} (struct ${struct}) while ${item.slice(struct.length + 1)} (${b.fn}()) may still be queued: nothing cancels or flushes it before the ${fr.api}()${late}.`,
            question: `Can ${item.slice(struct.length + 1)} still be pending here? It is queued elsewhere and runs ${b.fn}(), but nothing cancels or flushes it before ${info.fn.name}() frees ${fr.argText}.`,
            trace: [
              { file: b.file, line: b.line, function: "", note: `INIT_WORK(…${item.slice(struct.length)}, ${b.fn})` },
              { file: fr.file, line: fr.line, function: info.fn.name, note: `${fr.api}(${fr.argText})` },
            ],
            key,
            pathKey: info.fn.name,
            chain: [{ file: fr.file, line: fr.line }],
          });
        }
      }
    }

    out.push(...queuedNotDrained(ctx, allWaits));

    // Module-level work left queued at exit.
    if (exits.length) {
      const queuedGlobal = new Set<string>();
      for (const f of a.functions.values()) for (const q of f.facts.queueings) queuedGlobal.add(q.item.cls);
      for (const [item, bindings] of a.workBindings) {
        if (item.includes(".") || item.includes(":") || item.includes("->") || !queuedGlobal.has(item)) continue;
        const fns = bindings.map((b) => b.fn);
        const drained = exits.some((x) =>
          fns.some((fn) => hasWait(x, `work:${fn}`) || [...(a.workQueues.get(fn) ?? [])].some((q) => hasWait(x, `wq:${q}`))),
        );
        if (drained) continue;
        const ex = exits[0];
        const b = bindings[0];
        out.push({
          ruleId: rule.meta.id,
          severity: exits.some((x) => waitsOf(x).size > 0) ? "warning" : "error",
          confidence: "high",
          file: ex.fn.file,
          line: ex.fn.line,
          function: ex.fn.name,
          message: `${ex.fn.name}() (module exit) does not cancel or flush ${item} (${b.fn}()), which is queued by the module: it can run after unload.`,
          question: `Should ${ex.fn.name}() cancel_work_sync(&${item}) first? It is queued by this module and may still be pending at unload.`,
          trace: [
            { file: b.file, line: b.line, function: "", note: `${item} → ${b.fn}()` },
            { file: ex.fn.file, line: ex.fn.line, function: ex.fn.name, note: "module exit without cancel/flush" },
          ],
          key: `${item}|module-exit-work`,
          pathKey: ex.fn.name,
          chain: [{ file: ex.fn.file, line: ex.fn.line }],
        });
      }
    }
    return out;
  },
  compare(ctx: CompareContext): RuleFinding[] {
    return teardownDrainChanges(ctx);
  },
};

/**
 * Work a driver queues on its device struct that no teardown waits for:
 * ->remove() (or a devm action, or module exit) tears the device down while
 * the work can still be pending — a driver added without cancel_work_sync()
 * in its remove (linux-usb's commonest fix of this family). Only when some
 * teardown function handles that struct, and nothing anywhere in the
 * analysed code waits for the work.
 */
function queuedNotDrained(ctx: RuleContext, allWaits: Map<string, { fn: string; line: number }[]>): RuleFinding[] {
  const a = ctx.analysis;
  const out: RuleFinding[] = [];
  const teardowns = [...a.functions.values()].filter((f) => {
    const r = teardownRole(f);
    return (r === "remove" || r === "exit") && !f.fn.partial && !f.entries.every((e) => e.inferred);
  });
  if (!teardowns.length) return out;
  const queuedBy = new Map<string, { fn: string; line: number; file: string }>();
  for (const f of a.functions.values()) for (const q of f.facts.queueings) if (!queuedBy.has(q.item.cls)) queuedBy.set(q.item.cls, { fn: f.fn.name, line: q.line, file: q.file });
  for (const [item, bindings] of a.workBindings) {
    const q = queuedBy.get(item);
    if (!q || !item.includes(".") || bindings.some((b) => b.autoCancel) || queuedWithReference(a, item)) continue;
    const struct = item.slice(0, item.indexOf("."));
    const fns = bindings.map((b) => b.fn);
    const waitClasses = [...fns.map((fn) => `work:${fn}`), ...fns.flatMap((fn) => [...(a.workQueues.get(fn) ?? [])].map((w) => `wq:${w}`)), `work:${item}`];
    if (waitClasses.some((c) => allWaits.has(c))) continue;
    const handles = (f: FunctionInfo) => f.fn.params.some((p) => p.type?.name === struct) || Object.values(f.fn.locals).some((t) => t.name === struct);
    const t = teardowns.find(handles);
    if (!t) continue;
    const field = item.slice(struct.length + 1);
    const b = bindings[0];
    out.push({
      ruleId: rule.meta.id,
      severity: "warning",
      confidence: "medium",
      file: t.fn.file,
      line: t.fn.line,
      function: t.fn.name,
      message: `${t.fn.name}() tears down struct ${struct} without cancelling or flushing ${field} (${b.fn}()), which ${q.fn}() queues: nothing in the driver waits for it, so it can run after the device is gone.`,
      question: `Can ${field} still be pending when ${t.fn.name}() returns? ${q.fn}() queues it and nothing cancels it (cancel_work_sync()/cancel_delayed_work_sync()).`,
      trace: [
        { file: b.file, line: b.line, function: "", note: `${field} → ${b.fn}()` },
        { file: q.file, line: q.line, function: q.fn, note: "queued here" },
        { file: t.fn.file, line: t.fn.line, function: t.fn.name, note: "teardown without cancel or flush" },
      ],
      key: `${item}|never-drained`,
      pathKey: t.fn.name,
      chain: [{ file: q.file, line: q.line }, { file: b.file, line: b.line }, { file: t.fn.file, line: t.fn.line }],
      limitations: ["only the driver's own files were searched for a cancel or flush"],
    });
  }
  return out;
}

/** Lines `from`..`to` of `file` are all in one range the diff shows. */
function shownBetween(a: Analysis, file: string, from: number, to: number): boolean {
  const model = a.files.find((f) => f.model.path === file)?.model;
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  return !!model?.visible?.some(([s, e]) => s <= lo && hi <= e);
}

/** `work:fn` → "work fn()", `wq:nbd_device.recv_workq` → "workqueue recv_workq". */
function drainName(cls: string, expr: string): string {
  if (cls.startsWith("work:")) return /^[A-Za-z_]\w*$/.test(cls.slice(5)) ? `the work ${cls.slice(5)}()` : `the work ${workArg(expr)}`;
  if (cls.startsWith("kthread:")) return `the thread ${cls.slice(8)}()`;
  return `the workqueue ${expr}`;
}

/** Work items are passed by address. */
const workArg = (expr: string) => (/^[&(]/.test(expr) || /^[A-Za-z_]\w*$/.test(expr) ? expr : `&${expr}`);

const ROLE_TEXT: Record<TeardownRole, string> = { exit: "module exit", remove: "device teardown", "error-path": "init/probe, on its error paths" };

/**
 * A teardown function that waits for some work in one image and not in the
 * other. On the pre-image: the wait a patch adds was missing (reported as
 * fixed by the differential). On the post-image: the patch removes a wait
 * that nothing else in the analysed code does any more (introduced).
 */
function teardownDrainChanges(ctx: CompareContext): RuleFinding[] {
  const a = ctx.analysis;
  const b = ctx.counterpart;
  const out: RuleFinding[] = [];
  const lost: { name: string; info: FunctionInfo; other: FunctionInfo; role: TeardownRole; cls: string; e: Effect }[] = [];
  for (const [name, info] of a.functions) {
    const other = b.functions.get(name);
    if (!other) continue;
    const role = teardownRole(info) ?? teardownRole(other);
    if (!role) continue;
    const mine = drainsOf(info);
    for (const [cls, e] of drainsOf(other)) {
      if (mine.has(cls)) continue;
      // Nothing to drain in this image: the patch adds the work (pre) or removes it altogether (post).
      if (newInImage(b, a, cls)) continue;
      if (ctx.image === "post") {
        // Moved, not removed: another function (or a callee the patch adds) still waits for it.
        if (drainedAnywhere(a.functions, cls)) continue;
        if (info.facts.callSites.some((c) => !a.functions.has(c.callee) && !a.kernel.knows(c.callee) && !other.facts.callSites.some((o) => o.callee === c.callee))) continue;
      }
      lost.push({ name, info, other, role, cls, e });
    }
  }
  // One finding per defect: where the wait was lost, not in every caller that
  // reached it through that function.
  const at = new Set(lost.map((l) => `${l.name}\0${l.cls}`));
  for (const { name, info, other, role, cls, e } of lost) {
    {
      if (e.path.some((p) => p.function && p.function !== name && at.has(`${p.function}\0${cls}`))) continue;
      const what = drainName(cls, e.expr);
      const theirs = ctx.image === "post" ? "before the patch:" : "with the patch:";
      const how = `${e.api}(${cls.startsWith("work:") ? workArg(e.expr) : e.expr})`;
      const inferred = [...info.entries, ...other.entries].some((x) => x.inferred);
      const d: string[] = [];
      if (info.fn.partial || other.fn.partial) d.push(`${name}() was only partly visible`);
      if (inferred) d.push(`${name}() was taken for a teardown callback from its name and parameters`);
      const msg =
        ctx.image === "pre"
          ? `${name}() (${ROLE_TEXT[role]}) returns without waiting for ${what}: it can still run after the teardown, on freed memory or unloaded code; ${how} is missing.`
          : `${name}() (${ROLE_TEXT[role]}) no longer waits for ${what} (${how} removed), and nothing else here does: it can run after the teardown.`;
      out.push({
        ruleId: rule.meta.id,
        severity: "warning",
        confidence: confidenceOf(d),
        file: info.fn.file,
        line: info.fn.line,
        function: name,
        message: msg,
        question: ctx.image === "pre" ? `Was ${what} still able to run after ${name}()?` : `Who waits for ${what} now? ${name}() used to call ${how}, and nothing else here does.`,
        trace: [{ file: info.fn.file, line: info.fn.line, function: name, note: `${ROLE_TEXT[role]}: no ${e.api}()` }, ...e.path.map((p) => ({ ...p, note: `${theirs} ${p.note}` }))].slice(0, 6),
        key: `${name}|${cls}|teardown-drain`,
        ...(ctx.image === "post" && cls.startsWith("wq:") ? { supersedes: [`${cls.slice(3)}|never-destroyed`, `${cls.slice(3)}|module-exit`] } : {}),
        pathKey: name,
        // The wait's lines are the other image's: not places of this one to anchor on.
        chain: [{ file: info.fn.file, line: info.fn.line }],
        ...(d.length ? { limitations: d } : {}),
      });
    }
  }
  return out;
}

export default rule;
