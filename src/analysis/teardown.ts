// Teardown roles and what they wait for: the functions that end an object's
// or a module's life (module exit, ->remove/->disconnect, gadget unbind /
// udc_stop, and the error paths of init/probe), and the work, workqueues and
// threads each waits for before returning, through its callees. Rules
// compare these between the images of a patch: the drain a fix adds is the
// drain the pre-image lacked.
import type { Analysis, FunctionInfo } from "./program.js";
import type { Effect } from "./summary.js";

export type TeardownRole = "exit" | "remove" | "error-path";

/** The teardown role of a function, from how it is entered (ops tables, module hooks, signatures in hunks mode). */
export function teardownRole(info: FunctionInfo): TeardownRole | null {
  const kinds = new Set(info.entries.map((e) => e.kind));
  if (kinds.has("exit")) return "exit";
  if (kinds.has("remove") || kinds.has("teardown")) return "remove";
  if (kinds.has("init") || kinds.has("probe")) return "error-path";
  return null;
}

/** APIs that wait for work to finish (not wait_for_completion: a completion is not the work itself). */
const DRAIN_NAMES = "destroy_workqueue|flush_workqueue|drain_workqueue|flush_scheduled_work|flush_work|flush_delayed_work|flush_rcu_work|cancel_work_sync|cancel_delayed_work_sync|kthread_stop|kthread_stop_put";
const DRAINS = new RegExp(`^(${DRAIN_NAMES})$`);
const DRAIN_CALL = new RegExp(`\\b(${DRAIN_NAMES})\\s*\\(`);

/** A line of C that calls a drain (a patch deleting one needs both images compared). */
export function callsDrain(line: string): boolean {
  return DRAIN_CALL.test(line);
}

/** What a function waits for before returning, by pseudo-lock class (`work:fn`, `wq:queue`, `kthread:fn`). */
export function drainsOf(info: FunctionInfo): Map<string, Effect> {
  const out = new Map<string, Effect>();
  for (const e of info.summary.effects) {
    if (e.how !== "wait" || !DRAINS.test(e.api)) continue;
    if (!/^(work|wq|kthread):/.test(e.cls)) continue;
    if (!out.has(e.cls)) out.set(e.cls, e);
  }
  return out;
}

/**
 * Is the waited-for thing created by the patch: bound, allocated or defined
 * in `after` and nowhere in `before`? Then `before` cannot be missing its
 * drain (a tasklet converted to a work item, a work the patch adds). Both
 * images are built from the same text outside the changes, so in hunks mode
 * too a binding seen only after is one the patch adds.
 */
export function newInImage(after: Analysis, before: Analysis, cls: string): boolean {
  const m = /^(work|wq|kthread):(.*)$/.exec(cls);
  if (!m) return false;
  const [, kind, name] = m as unknown as [string, string, string];
  const defines = (a: Analysis) => {
    if (kind === "wq") return [...a.functions.values()].some((f) => f.facts.wqAllocs.some((w) => w.target?.cls === name));
    if (a.functions.has(name)) return true;
    if (kind === "work") return a.workBindings.has(name) || [...a.workBindings.values()].some((bs) => bs.some((b) => b.fn === name));
    return false;
  };
  return defines(after) && !defines(before);
}

/** Does any function of the image wait for this class (a drain moved elsewhere)? */
export function drainedAnywhere(functions: Map<string, FunctionInfo>, cls: string): boolean {
  for (const f of functions.values()) if (f.facts.acquires.some((a) => a.how === "wait" && a.cls === cls && DRAINS.test(a.api))) return true;
  return false;
}

/**
 * Is every queueing of this work item covered by a reference on the object
 * that embeds it, taken in the queueing function (kref_get(), dasd's
 * dasd_get_device(), a closure_get() …)? Then the work holds the object and
 * drops it when done: the final put cannot free it under the work (dasd,
 * nvme-fc, bcache in Linux 6.1).
 */
export function queuedWithReference(a: Analysis, itemCls: string): boolean {
  const sites = [...a.functions.values()].flatMap((f) => f.facts.queueings.filter((q) => q.item.cls === itemCls).map((q) => ({ f, q })));
  if (!sites.length) return false;
  return sites.every(({ f, q }) => {
    const root = /^&?\(?([A-Za-z_]\w*)/.exec(q.item.expr)?.[1];
    if (!root) return false;
    return f.facts.callSites.some((cs) => takesReference(a, cs.callee, cs.call.args.map((x) => x.path?.root)).includes(root));
  });
}

/** Roots of the arguments a call takes a reference on: a refGet row, or a driver wrapper passing its parameter to one. */
function takesReference(a: Analysis, callee: string, argRoots: (string | undefined)[], depth = 0): string[] {
  const row = a.kernel.first("refGet", callee);
  if (row) return argRoots[row.arg] ? [argRoots[row.arg]!] : [];
  const fn = depth < 2 ? a.functions.get(callee) : undefined;
  if (!fn) return [];
  const out: string[] = [];
  fn.fn.params.forEach((p, i) => {
    if (!argRoots[i]) return;
    if (fn.facts.callSites.some((cs) => takesReference(a, cs.callee, cs.call.args.map((x) => x.path?.root), depth + 1).includes(p.name))) out.push(argRoots[i]!);
  });
  return out;
}

/**
 * Whether `from` can reach `target` through the calls the walk recorded
 * (callbacks run by kref_put()-like helpers included), within `depth` calls:
 * a work function that drops its own object's reference reaches the release
 * that frees it.
 */
export function reachesThroughCalls(a: Analysis, from: string, target: string, depth = 6): boolean {
  let frontier = [from];
  const seen = new Set(frontier);
  for (let d = 0; d < depth && frontier.length; d++) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const cs of a.functions.get(n)?.facts.callSites ?? []) {
        if (cs.indirect || seen.has(cs.callee)) continue;
        if (cs.callee === target) return true;
        seen.add(cs.callee);
        next.push(cs.callee);
      }
    }
    frontier = next;
  }
  return false;
}
