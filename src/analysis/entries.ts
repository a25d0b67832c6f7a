// How each function is entered, and what is held when it is: a callback
// slot of an ops table (`->release` runs under disk->open_mutex), a sysfs
// attribute, a stored callback, a work item (inside `work:<fn>` and the
// workqueue's `wq:<queue>`), a thread, a module's init/exit or a driver's
// probe/remove. In hunks mode a callback whose table is not visible is
// recognised by its name and parameter types (inferred).
import { forEachStmt, type CFunction, type CFileModel } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import type { Callback } from "../kernel/schema.js";
import type { ContextKind } from "../model/review.js";
import type { Bindings } from "./bindings.js";
import type { Held } from "./state.js";
import { attributeOwner, kernfsClass } from "./sysfsOwners.js";

/** How a function is entered: a callback slot, a work item, a thread, a module hook. */
export interface EntryContext {
  kind: Callback["context"] | "work" | "kthread" | "timer" | "init" | "exit" | "probe" | "remove";
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

export interface Entries {
  entries: Map<string, EntryContext[]>;
  moduleInit: string[];
  moduleExit: string[];
}

export function entryContexts(
  files: { model: CFileModel }[],
  fnsByName: Map<string, { fn: CFunction; context: ContextKind }>,
  bindings: Bindings,
  kernel: KernelModel,
  isCalled: (name: string) => boolean,
): Entries {
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
  const holdsOf = (cb: Callback, fnName: string, line: number, nbClasses: string[], registeredOn?: string): Held[] => {
    const out: Held[] = [];
    for (const h of cb.holds) {
      if (h.lock.includes("$chain")) {
        const chains = new Set<string>();
        for (const nbc of nbClasses) for (const ch of bindings.nbChains.get(nbc) ?? []) chains.add(ch);
        if (!chains.size) chains.add(`?${fnName}`);
        for (const ch of chains) out.push({ cls: h.lock.replace("$chain", ch), expr: ch, typed: !ch.startsWith("?"), mode: h.mode, kind: "rwsem", line, origin: "context", via: cb.note });
      } else if (h.lock === "kernfs:device") {
        // The attribute hangs on one kind of object: the one its callback converts the device to.
        // Or, failing that, the object the analysed code registers the attribute on.
        const owner = (fnsByName.get(fnName) ? attributeOwner(fnsByName.get(fnName)!.fn, kernel) : null) ?? registeredOn ?? null;
        out.push({ cls: kernfsClass("device", owner), expr: h.expr ?? h.lock, typed: true, mode: h.mode, kind: "mutex", line, origin: "context", via: cb.note });
      } else {
        out.push({ cls: h.lock, expr: h.expr ?? h.lock, typed: true, mode: h.mode, kind: "mutex", line, origin: "context", via: cb.note });
      }
    }
    return out;
  };
  const tablesSeen = new Set<string>(); // "file|struct.field" slots whose initialisers are visible
  for (const f of files) {
    for (const o of f.model.ops) {
      tablesSeen.add(`${f.model.path}|${o.structType}.${o.field}`);
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
          const registeredOn = struct === "device_attribute" ? bindings.attrOwners.get(`dev_attr_${a.name}`) : undefined;
          addEntry(fnName, { kind: cb.context, holds: holdsOf(cb, fnName, info.fn.line, [], registeredOn), source: `${a.macro}(${a.name})`, note: cb.note, inferred: false, caller: cb.caller });
        }
      }
    }
  }
  for (const sc of bindings.stored) {
    const info = fnsByName.get(sc.fn);
    if (!info) continue;
    for (const cb of kernel.callbacksFor(sc.structType, sc.field)) {
      // The block itself: `group->nb.notifier_call = fn` → block class of `group->nb`.
      const nbClasses = [...bindings.nbChains.keys()];
      addEntry(sc.fn, { kind: cb.context, holds: holdsOf(cb, sc.fn, info.fn.line, nbClasses), source: `${sc.structType}.${sc.field} = ${sc.fn} (${sc.file}:${sc.line})`, note: cb.note, inferred: false, caller: cb.caller });
    }
  }
  for (const d of bindings.deferredTeardown) {
    if (fnsByName.has(d.fn)) addEntry(d.fn, { kind: "teardown", holds: [], source: `devm action (${d.file}:${d.line})`, note: "devres runs it when the device is unbound", inferred: false });
  }
  // Hunks mode: a callback whose ops table is not visible, recognised by
  // name and parameter types (said in findings as inferred).
  for (const [name, info] of fnsByName) {
    // Only what the diff shows of a function whose table is not visible (hunks, or the diff's part of a hybrid).
    if ((info.context !== "hunks" && !info.fn.partial) || entries.has(name)) continue;
    const ptypes = info.fn.params.map((p) => p.type?.name ?? "?");
    for (const cb of kernel.data.callbacks) {
      if (cb.fallback) continue;
      // The function's own file has a table of this kind: it would have said so.
      if (cb.structs.some((s) => cb.fields.some((fld) => tablesSeen.has(`${info.fn.file}|${s}.${fld}`)))) continue;
      const sig = cb.signatures.find((sg) => (!sg.name || new RegExp(sg.name).test(name)) && paramsMatch(sg.params, ptypes));
      if (sig) addEntry(name, { kind: cb.context, holds: holdsOf(cb, name, info.fn.line, []), source: "signature", note: cb.note, inferred: true, caller: cb.caller });
    }
  }
  // Work functions and thread functions run inside their pseudo-locks.
  const workFnSet = new Set<string>();
  for (const list of bindings.work.values()) for (const b of list) workFnSet.add(b.fn);
  for (const [name, info] of fnsByName) {
    const isWorkSig = info.fn.params.length === 1 && info.fn.params[0].type?.name === "work_struct" && info.fn.params[0].type.pointer === 1;
    if (workFnSet.has(name) || (info.context === "hunks" && isWorkSig)) {
      const holds: Held[] = [{ cls: `work:${name}`, expr: name, typed: true, kind: "work", line: info.fn.line, origin: "context", via: "work function" }];
      for (const wq of bindings.workQueues.get(name) ?? []) holds.push({ cls: `wq:${wq}`, expr: wq, typed: true, kind: "work", line: info.fn.line, origin: "context", via: `queued on ${wq}` });
      const b = [...bindings.work.values()].flat().find((x) => x.fn === name);
      addEntry(name, { kind: "work", holds, source: b ? `INIT_WORK at ${b.file}:${b.line}` : "signature", note: "runs from a workqueue worker", inferred: !b });
    }
  }
  for (const [timer, fns] of bindings.timers) {
    for (const fnName of fns) {
      const info = fnsByName.get(fnName);
      if (info) addEntry(fnName, { kind: "timer", holds: [{ cls: `timer:${fnName}`, expr: fnName, typed: true, kind: "timer", line: info.fn.line, origin: "context", via: "timer callback" }], source: `timer ${timer}`, note: "timer callback (softirq, or hardirq for an hrtimer)", inferred: false });
    }
  }
  for (const [, fnName] of bindings.kthreads) {
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
      // An __exit helper called by the real exit function is not an exit of its own.
      if (fn.annotations.some((a) => a.name === "__exit") && !moduleExit.includes(fn.name) && !isCalled(fn.name)) moduleExit.push(fn.name);
    }
  }
  for (const n of moduleInit) if (fnsByName.has(n)) addEntry(n, { kind: "init", holds: [], source: "module_init", note: "module init", inferred: false });
  for (const n of moduleExit) if (fnsByName.has(n)) addEntry(n, { kind: "exit", holds: [], source: "module_exit", note: "module exit", inferred: false });

  // Last, kernel naming conventions (fallback rows) for functions entered no
  // other known way, in every mode: `cdns3_gadget_exit()` stored in a struct
  // the table does not know, an exported `usb_del_gadget()`. Said as inferred.
  for (const [name, info] of fnsByName) {
    if (entries.has(name)) continue;
    const ptypes = info.fn.params.map((p) => p.type?.name ?? "?");
    for (const cb of kernel.data.callbacks) {
      if (!cb.fallback) continue;
      if (cb.signatures.some((sg) => (!sg.name || new RegExp(sg.name).test(name)) && paramsMatch(sg.params, ptypes))) {
        addEntry(name, { kind: cb.context, holds: holdsOf(cb, name, info.fn.line, []), source: "name", note: cb.note, inferred: true, caller: cb.caller });
        break;
      }
    }
  }
  return { entries, moduleInit, moduleExit };
}

/** Parameter types against a signature: "*" is any one type, a final "..." any number of them. */
function paramsMatch(want: string[], have: string[]): boolean {
  const rest = want[want.length - 1] === "...";
  const fixed = rest ? want.slice(0, -1) : want;
  if (rest ? have.length < fixed.length : have.length !== fixed.length) return false;
  return fixed.every((t, i) => t === "*" || t === have[i]);
}
