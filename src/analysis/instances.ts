// Which object a lock expression names, in terms of the function at hand:
// a lock class is shared by every object of a struct, but a deadlock on
// recursion (AA) needs the same object twice. An acquisition's expression
// (`ck->lock`) is carried up through calls by substituting the arguments
// for the callee's parameters (`cleanup(ck)` → `ck->lock`; `cleanup(&d->k)`
// → `d->k.lock`); rooted at a local of the callee, it names nothing the
// caller can see and is dropped. Globals name themselves everywhere.
import type { Call, CFunction } from "../cmodel/ir.js";

/** `&(x)->lock` → `x->lock`: the text two expressions of one object share. */
export function normInstance(expr: string): string {
  let t = expr.replace(/\s+/g, "");
  for (;;) {
    const before = t;
    t = t.replace(/^&/, "");
    if (/^\([^()]*\)$/.test(t)) t = t.slice(1, -1);
    t = t.replace(/^\(([A-Za-z_]\w*)\)/, "$1");
    if (t === before) return t;
  }
}

const ROOT = /^([A-Za-z_]\w*)(.*)$/;

/**
 * The callee's instance seen from the call: its parameter replaced by the
 * argument. undefined when the callee's object is its own local, or the
 * argument is not a plain access path.
 */
export function throughArgs(inst: string | undefined, callee: CFunction, call: Call): string | undefined {
  if (!inst) return undefined;
  const m = ROOT.exec(inst);
  if (!m) return undefined;
  const [, root, rest] = m as unknown as [string, string, string];
  const pi = callee.params.findIndex((p) => p.name === root);
  if (pi < 0) return root in callee.locals ? undefined : inst; // a global keeps its name
  const arg = call.args[pi];
  if (!arg?.path) return undefined;
  const text = arg.text.replace(/\s+/g, "");
  if (text.startsWith("&")) {
    // cleanup(&d->k) with `k->lock` in the callee: `d->k.lock`.
    const obj = normInstance(text);
    return rest.startsWith("->") ? `${obj}.${rest.slice(2)}` : undefined;
  }
  if (!/^[A-Za-z_][\w.>-]*$/.test(text)) return undefined;
  return `${text}${rest}`;
}

/**
 * Two instances that cannot be one object: after the last pointer step they
 * go through different embedded members (`mrioc->bsg_cmds.mutex` and
 * `mrioc->init_cmds.mutex` are two mutexes of one class, whatever mrioc is).
 * Unknown (undefined) or a path through a pointer to the member: not provably
 * distinct.
 */
export function distinctMembers(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const tail = (s: string) => s.slice(s.lastIndexOf("->") + 2);
  const ta = tail(a);
  const tb = tail(b);
  if (!ta.includes(".") || !tb.includes(".") || ta === tb) return false;
  // `x->cmd.mutex` against `y->mutex` (a pointer to the member): maybe the same.
  return !ta.endsWith(`.${tb}`) && !tb.endsWith(`.${ta}`);
}
