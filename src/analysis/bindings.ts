// What the driver wires together, read off its code before any walk: work
// items to their functions (INIT_WORK), work items to the workqueues they
// are queued on, thread pointers to thread functions (kthread_run), notifier
// blocks to chains, and callbacks stored into struct fields.
import { forEachStmt, type CFunction, type CFileModel } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import { callsOf } from "./callGraph.js";
import type { LockClass, TypeEnv } from "./classes.js";
import { registeredAttributeOwners } from "./sysfsOwners.js";

export interface WorkBinding {
  fn: string;
  file: string;
  line: number;
  delayed: boolean;
  /** Initialised by devm_*_autocancel(): devres cancels it at unbind. */
  autoCancel?: boolean;
}

export interface StoredCallback {
  structType: string;
  field: string;
  fn: string;
  file: string;
  line: number;
}

export interface Bindings {
  /** Work-item class → work functions. */
  work: Map<string, WorkBinding[]>;
  /** Work function → workqueue classes it is queued on. */
  workQueues: Map<string, Set<string>>;
  /** Thread pointer class → thread function. */
  kthreads: Map<string, string>;
  /** Timer class (`oxu_hcd.watchdog`) → timer callbacks. */
  timers: Map<string, Set<string>>;
  /** notifier_block class → chains it is registered on. */
  nbChains: Map<string, Set<string>>;
  stored: StoredCallback[];
  /** Functions registered to run at device teardown (devm_add_action). */
  deferredTeardown: { fn: string; file: string; line: number }[];
  /** Attribute variable (`dev_attr_remove`) → the object it is registered on (sysfsOwners.ts). */
  attrOwners: Map<string, string>;
}

export function readBindings(files: CFileModel[], types: TypeEnv, kernel: KernelModel, isDefined: (n: string) => boolean): Bindings {
  const work = new Map<string, WorkBinding[]>();
  const bindWork = (item: LockClass, fn: string, file: string, line: number, delayed: boolean, autoCancel = false) => {
    const list = work.get(item.cls) ?? [];
    if (!list.some((x) => x.fn === fn)) list.push({ fn, file, line, delayed, ...(autoCancel ? { autoCancel } : {}) });
    work.set(item.cls, list);
  };
  const deferredTeardown: Bindings["deferredTeardown"] = [];
  const kthreads = new Map<string, string>();
  const timers = new Map<string, Set<string>>();
  const bindTimer = (cls: string, fn: string) => timers.set(cls, (timers.get(cls) ?? new Set()).add(fn));
  const nbChains = new Map<string, Set<string>>();
  const stored: StoredCallback[] = [];
  const queuedOn = new Map<string, Set<string>>(); // work item class → wq classes

  for (const f of files) {
    for (const c of f.topCalls) {
      for (const wi of kernel.rows("workInit", c.name)) {
        const item = c.args[wi.workArg];
        const fnName = c.args[wi.fnArg]?.ident;
        if (item && fnName) bindWork(types.classOfWork(item, null), fnName, f.path, c.line, wi.delayed);
      }
    }
    for (const fn of f.functions) {
      forEachStmt(fn.body, (s) => {
        for (const c of callsOf(s)) {
          for (const wi of kernel.rows("workInit", c.name)) {
            const item = c.args[wi.workArg];
            const fnName = c.args[wi.fnArg]?.ident;
            if (item && fnName) bindWork(types.classOfWork(item, fn), fnName, f.path, c.line, wi.delayed, wi.autoCancel);
          }
          for (const ts of kernel.rows("timerSetup", c.name)) {
            const t = c.args[ts.timerArg];
            const cb = c.args[ts.fnArg]?.ident;
            if (t && cb && isDefined(cb)) bindTimer(types.classOfWork(t, fn).cls, cb);
          }
          for (const tc of kernel.rows("teardownCallback", c.name)) {
            const cb = c.args[tc.callbackArg]?.ident;
            if (cb && isDefined(cb)) deferredTeardown.push({ fn: cb, file: f.path, line: c.line });
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
            const chain = nr.chain ?? (nr.chainArg !== undefined && c.args[nr.chainArg] ? types.objectClass(c.args[nr.chainArg], fn) : "?");
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
            if (tf) kthreads.set(types.classOfArg(target, fn).cls, tf);
          }
        }
        if (s.k === "expr" && s.store && isDefined(s.store.ident) && s.store.target.path && s.store.target.path.fields.length) {
          // `obj->nb.notifier_call = fn`: typed by the object holding the field.
          const p = s.store.target.path;
          const field = p.fields[p.fields.length - 1];
          const ownerType = ownerTypeOf(types, p, fn);
          if (ownerType) stored.push({ structType: ownerType, field, fn: s.store.ident, file: f.path, line: s.line });
          // `ci->hr_timer.function = cb` after hrtimer_init(): the timer's callback.
          if (field === "function" && p.fields.length >= 2) {
            const timer = { root: p.root, fields: p.fields.slice(0, -1) };
            bindTimer(types.classOfPath(timer, fn, [timer.root, ...timer.fields].join("->")).cls, s.store.ident);
          }
        }
      });
    }
  }
  const workQueues = new Map<string, Set<string>>();
  for (const [item, list] of work) {
    for (const b of list) {
      const set = workQueues.get(b.fn) ?? new Set<string>();
      for (const wq of queuedOn.get(item) ?? []) set.add(wq);
      workQueues.set(b.fn, set);
    }
  }
  return { work, workQueues, kthreads, timers, nbChains, stored, deferredTeardown, attrOwners: registeredAttributeOwners(files, types, kernel) };
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
