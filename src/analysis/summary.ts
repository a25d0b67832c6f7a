// Per-function summaries: what calling a function does, transitively through
// the functions defined in the analysed code. Computed bottom-up over the
// call graph (strongly connected components iterate to a fixed point), so
// nbd_put → nbd_dev_remove → del_gendisk is known at nbd_put as "takes
// gendisk.open_mutex, via nbd_dev_remove()".
import type { CFunction } from "../cmodel/ir.js";
import type { Acquire, CallSite, FnFacts, ParamCond, Step } from "./facts.js";
import { normInstance, throughArgs } from "./instances.js";
import type { NetEffects, ParamRef } from "./walk.js";

export const MAX_PATH = 10;
const MAX_EFFECTS = 400;

/** Something that happens (somewhere below) when the function is called. */
export interface Effect {
  cls: string;
  expr: string;
  typed: boolean;
  mode?: "read" | "write";
  how: Acquire["how"];
  api: string;
  note?: string;
  conditional: boolean;
  transient: boolean;
  /** From this function down to the acquisition. */
  path: Step[];
  /** The acquisition is in a function only partly visible (hunks mode). */
  partial: boolean;
  /** Caller locks released along the path before the acquisition: no edge from them. */
  notUnder: string[];
  /** Only reached when a put drops the last reference somewhere on the path. */
  lastRef: boolean;
  /** Only reached when this function's parameters have these values. */
  when: ParamCond[];
  /** A trylock: adds no lock-order dependency. */
  nonblocking?: boolean;
  /** The object locked, in this function's terms (instances.ts); undefined: one the caller cannot name. */
  inst?: string;
}

/** A lock released below that was not taken below: the caller must hold it. */
export interface Drop {
  cls: string;
  expr: string;
  path: Step[];
  /** Re-taken afterwards (unlock … relock). */
  relock: boolean;
  partial: boolean;
}

export interface Summary {
  name: string;
  file: string;
  fn: CFunction;
  net: NetEffects;
  effects: Effect[];
  drops: Drop[];
}

export function describeAcquire(a: Acquire): string {
  if (a.how === "lock") return `${a.api}(${a.expr})`;
  if (a.how === "implicit") return `${a.api}() takes ${a.cls}`;
  return `${a.api}() waits: ${a.cls}`;
}

/** Net effect of a function: locks held at every return / released and not re-taken. */
export function netEffects(fn: CFunction, facts: FnFacts, paramRefs: Map<string, ParamRef>): NetEffects {
  const acquired: NetEffects["acquired"] = [];
  const rets = facts.returns;
  if (rets.length) {
    const counts = new Map<string, { n: number; h: (typeof rets)[number]["held"][number] }>();
    for (const r of rets) {
      const seen = new Set<string>();
      for (const h of r.held) {
        if ((h.origin !== "acquired" && h.origin !== "callee") || h.restores || h.kind === "resource") continue;
        if (seen.has(h.cls)) continue;
        seen.add(h.cls);
        const c = counts.get(h.cls);
        counts.set(h.cls, { n: (c?.n ?? 0) + 1, h });
      }
    }
    for (const { n, h } of counts.values()) {
      const conditional = n < rets.length || !!h.conditional;
      acquired.push({
        cls: h.cls, expr: h.expr, typed: h.typed, mode: h.mode, kind: h.kind, line: h.line, param: paramRefs.get(h.expr),
        conditional, when: conditional ? heldWhen(rets, h.cls) : undefined,
      });
    }
  }
  const released: NetEffects["released"] = [];
  for (const r of facts.releases) {
    if (r.matched !== "none" && r.matched !== "context" && r.matched !== "assumed") continue;
    if (r.relockLine !== undefined) continue;
    if (facts.partial && r.matched === "none") continue; // the lock may be taken in the part we cannot see
    // Still held at some return? Then it was re-taken (e.g. by a wrapper).
    if (rets.some((ret) => ret.held.some((h) => h.cls === r.cls))) continue;
    if (!released.some((x) => x.cls === r.cls)) released.push({ cls: r.cls, expr: r.expr, line: r.line, param: paramRefs.get(r.expr) });
  }
  void fn;
  return { acquired, released };
}

/**
 * Which return value means "returned holding cls": nonzero when every
 * return holding it returns nonzero and every other returns zero (a
 * `prepare()` that returns NULL after unlocking), zero for the reverse.
 */
function heldWhen(rets: FnFacts["returns"], cls: string): "zero" | "nonzero" | undefined {
  const withV = new Set<boolean | undefined>();
  const withoutV = new Set<boolean | undefined>();
  for (const r of rets) (r.held.some((h) => h.cls === cls) ? withV : withoutV).add(r.value);
  if (withV.has(undefined) || withoutV.has(undefined) || !withV.size || !withoutV.size) return undefined;
  if (!withV.has(false) && !withoutV.has(true)) return "nonzero";
  if (!withV.has(true) && !withoutV.has(false)) return "zero";
  return undefined;
}

/** Build F's summary from its facts and its callees' summaries. */
export function summarise(
  fn: CFunction,
  facts: FnFacts,
  net: NetEffects,
  callee: (name: string) => Summary | undefined,
): Summary {
  const effects: Effect[] = [];
  const byKey = new Map<string, Effect>();
  const add = (e: Effect) => {
    // Waits stay apart by API: a flush and then a destroy of one workqueue
    // are two facts (rules ask whether it is destroyed, not only waited for).
    // Locks stay apart by the object they name, when the caller can name it (recursion needs the same object).
    const k = `${e.cls}|${e.how}|${e.mode ?? ""}|${e.how === "wait" ? e.api : ""}|${e.inst ?? ""}`;
    const have = byKey.get(k);
    if (have && have.path.length <= e.path.length) return;
    if (!have && effects.length >= MAX_EFFECTS) return;
    if (have) effects.splice(effects.indexOf(have), 1, e);
    else effects.push(e);
    byKey.set(k, e);
  };
  for (const a of facts.acquires) {
    add({
      cls: a.cls, expr: a.expr, typed: a.typed, mode: a.mode, how: a.how, api: a.api, note: a.note, conditional: a.conditional, transient: a.transient,
      path: [{ file: a.file, line: a.line, function: fn.name, note: describeAcquire(a) }], partial: facts.partial, notUnder: a.dropped, lastRef: a.lastRef, when: a.when,
      ...(a.nonblocking ? { nonblocking: true } : {}),
      ...(a.how === "lock" ? { inst: normInstance(a.expr) } : {}),
    });
  }
  const drops: Drop[] = [];
  for (const r of facts.releases) {
    if (r.viaCallee) continue; // accounted through the callee's own drops below
    if (r.matched === "none" || r.matched === "context" || r.matched === "assumed") {
      drops.push({ cls: r.cls, expr: r.expr, relock: r.relockLine !== undefined, partial: r.partial, path: [{ file: r.file, line: r.line, function: fn.name, note: `${r.api}(${r.expr})` }] });
    }
  }
  for (const cs of facts.callSites) {
    if (cs.indirect) continue;
    const s = callee(cs.callee);
    if (!s || s.name === fn.name) continue;
    const step: Step = { file: cs.file, line: cs.line, function: fn.name, note: `calls ${cs.callee}()` };
    for (const e of s.effects) {
      if (e.path.length >= MAX_PATH) continue;
      const when = throughCall(e.when, cs, fn);
      if (!when) continue; // the call's arguments rule this path out (`__loop_clr_fd(lo, true)`)
      const inst = throughArgs(e.inst, s.fn, cs.call);
      add({ ...e, path: [step, ...e.path], notUnder: cs.dropped.length ? [...new Set([...e.notUnder, ...cs.dropped])] : e.notUnder, lastRef: e.lastRef || cs.lastRef, when, inst });
    }
    // A callee's drop is ours too unless we hold that lock at the call.
    for (const d of s.drops) {
      if (d.path.length >= MAX_PATH) continue;
      const heldHere = cs.heldSets.some((set) => set.some((h) => h.cls === d.cls && (h.origin === "acquired" || h.origin === "callee" || h.origin === "guard")));
      if (heldHere) continue;
      if (!drops.some((x) => x.cls === d.cls && x.path.length <= d.path.length + 1)) drops.push({ ...d, path: [step, ...d.path] });
    }
  }
  return { name: fn.name, file: fn.file, fn, net, effects, drops };
}

/** Truth value of a literal argument, or undefined when not a constant. */
export function literalTruth(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === "true" || /^[1-9]\d*[uUlL]*$/.test(t) || /^0x0*[1-9a-fA-F][0-9a-fA-F]*$/.test(t)) return true;
  if (t === "false" || t === "NULL" || /^0+[uUlL]*$/.test(t) || /^0x0+$/.test(t)) return false;
  return undefined;
}

/**
 * Conditions of a callee effect seen from the caller: constants decide them
 * (null when contradicted), caller parameters passed through carry them up,
 * anything else makes them unknown (dropped, i.e. the effect may happen).
 * The call site's own conditions on the caller's parameters are added.
 */
export function throughCall(when: ParamCond[], cs: CallSite, caller: { params: { name: string }[] }): ParamCond[] | null {
  const out: ParamCond[] = [...cs.when];
  for (const c of when) {
    const arg = cs.call.args[c.index];
    const lit = literalTruth(arg?.text);
    if (lit !== undefined) {
      if (lit !== c.nonzero) return null;
      continue;
    }
    const pi = arg?.ident ? caller.params.findIndex((p) => p.name === arg.ident) : -1;
    if (pi >= 0 && !out.some((x) => x.index === pi)) out.push({ index: pi, nonzero: c.nonzero });
  }
  return out;
}
