// wq-flush-under-open-mutex: waiting for work (destroy/flush/drain a
// workqueue, flush/cancel_sync a work item) while disk->open_mutex is held —
// typically from ->release. lockdep records open_mutex → (wq_completion)X,
// and any work on X that (through any chain) needs open_mutex closes the
// cycle: loop 2021-22, syzbot 643e4ce4b6ad1347d372, about a year and four
// reports to fix. Waiting under a driver's own lock that the work takes is
// a different bug with a different fix: wq-flush-under-lock reports it.
// The waits themselves are read the same way by both rules (exported here).
import type { EdgeEvidence } from "../src/analysis/graph.js";
import type { Analysis } from "../src/analysis/program.js";
import { distinctMembers, normInstance } from "../src/analysis/instances.js";
import { chainOf, confidenceOf, doubts, entryHolding, findPath } from "../src/review/evidence.js";
import { holderStep, lockName, lockText, pathKey, scenario, toTrace, viaText } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

/**
 * disk->open_mutex and its older name: before Linux 5.14 the same mutex was
 * struct block_device's bd_mutex (5.10's blk_types.h: "open/close mutex").
 */
export const OPEN_MUTEX = new Set(["gendisk.open_mutex", "block_device.bd_mutex"]);
export const isWait = (cls: string) => cls.startsWith("wq:") || cls.startsWith("work:");
/** kthread_stop(), del_timer_sync(), hrtimer_cancel(): waits for a thread or a timer callback, reported only with the way back to the lock. */
const isDeferredWait = (cls: string) => cls.startsWith("kthread:") || cls.startsWith("timer:");

function waitText(e: EdgeEvidence): string {
  const target = e.toExpr ?? e.to.replace(/^(wq|work|kthread|timer):/, "");
  // Work items and timers are passed by address; workqueues and threads by pointer.
  const byAddress = e.to.startsWith("work:") || e.to.startsWith("timer:");
  return `${e.api}(${byAddress && !target.startsWith("&") ? "&" : ""}${target})`;
}

function whatWaited(e: EdgeEvidence): string {
  if (e.to.startsWith("wq:")) return `every work item queued on ${e.toExpr ?? e.to.slice(3)}`;
  if (e.to.startsWith("kthread:")) return `the thread function ${e.to.slice(8)}()`;
  if (e.to.startsWith("timer:")) return `the timer callback ${e.to.slice(6)}()`;
  return `the work function ${e.to.slice(5)}()`;
}

export interface WaitUnderLock {
  /** The wait, with the lock held. */
  e: EdgeEvidence;
  /** From the waited-for work back to the held lock, when the analysis sees it. */
  back: EdgeEvidence[] | null;
}

/**
 * Every wait for work under a held lock that `wanted` accepts, once per
 * (function, lock, work); `needBack` keeps only those whose work is seen to
 * come back to the lock.
 */
export function waitsUnderLocks(a: Analysis, wanted: (cls: string) => boolean, needBack: boolean): WaitUnderLock[] {
  const g = a.graph;
  const out: WaitUnderLock[] = [];
  const seen = new Set<string>();
  for (const [from, targets] of g.edges) {
    if (!wanted(from) || isWait(from) || isDeferredWait(from) || from.startsWith("kernfs:") || from.startsWith("notifier:")) continue;
    for (const [to, list] of targets) {
      if (!isWait(to) && !isDeferredWait(to)) continue;
      // A wait reached by re-entering the holding function is the inner invocation's (another object's).
      const waits = list.filter((e) => e.how === "wait" && !e.reentrant);
      for (const fn of new Set(waits.map((e) => e.function))) {
        const id = `${fn}|${from}|${to}`;
        if (seen.has(id)) continue;
        // Does the waited-for work (or anything it waits on) come back to `from`?
        let back = findPath(g, to, from, 4, (c) => c === from);
        const held = waits.find((x) => x.function === fn)!;
        if (back) {
          // The work must take the held object, not another member of its struct of the same class.
          const last = back[back.length - 1]!;
          const same = g.evidence(last.from, from).filter((w) => !distinctMembers(normInstance(held.holder.expr), w.toInst));
          back = same.length ? [...back.slice(0, -1), g.best(same)] : null;
        }
        if ((needBack || isDeferredWait(to)) && !back) continue;
        seen.add(id);
        out.push({ e: g.best(waits.filter((x) => x.function === fn)), back });
      }
    }
  }
  return out;
}

/** The parts of a wait-under-lock finding both rules phrase the same way. */
export function describeWait(a: Analysis, { e, back }: WaitUnderLock) {
  const L = e.from;
  const lname = lockText(L, e.holder.expr);
  const entry = e.holder.origin === "context" ? entryHolding(a, e.function, L) : undefined;
  const holds = entry ? `${e.function}() runs with ${lname} held (${entry.note})` : `${e.function}() holds ${lname}`;
  const waitNote = `${waitText(e)}${viaText(e)} waits for ${whatWaited(e)}`;
  const edges = back ? [e, ...back] : [e];
  const d = doubts(a, edges);
  // Reached only through a final put (a release callback, refcount_dec_and_*):
  // refcount invariants often make that path impossible here.
  const lastRefEdge = edges.find((x) => x.lastRef);
  if (lastRefEdge) d.push(`the chain goes through a final put in ${lastRefEdge.function}(); it deadlocks only if that put can drop the last reference there`);
  const chainFns = back?.map((b) => `${b.function}()`).join(" → ");
  const cpu0 = { held: lockName(L, e.holder.expr), wants: lockName(e.to, e.toExpr), who: `${entry?.caller ? `${entry.caller} → ` : ""}${e.function}()${viaText(e)} → ${e.api}()` };
  return {
    lname, holds, waitNote, edges, doubts: d, lastRefEdge, chainFns, cpu0,
    trace: [holderStep(e), ...toTrace(e.path), ...(back ?? []).flatMap((b) => [holderStep(b), ...toTrace(b.path)])],
    scenarioWith: (cpu1: string) =>
      scenario(cpu0, { held: lockName(e.to, e.toExpr), wants: lockName(L, e.holder.expr), who: cpu1 }, back ? [lockName(L), lockName(e.to, e.toExpr), ...back.slice(0, -1).map((b) => lockName(b.to, b.toExpr))] : undefined),
    base: { file: e.file, line: e.line, function: e.function, key: `${e.function}|${L}|${e.to}`, pathKey: pathKey(edges), chain: chainOf(edges) },
  };
}

const rule: Rule = {
  meta: {
    id: "wq-flush-under-open-mutex",
    title: "Workqueue flushed or destroyed under disk->open_mutex",
    family: "F2",
    defaultSeverity: "error",
    description: "Disallow waiting for work (destroy_workqueue, flush_workqueue, drain_workqueue, flush_work, cancel_work_sync …) with disk->open_mutex held.",
    docs: "docs/rules/wq-flush-under-open-mutex.md",
    incidents: [INCIDENTS.loopDestroyWq, INCIDENTS.loopDestroyWqSyzbot],
    fix: "Do not wait for work under open_mutex: destroy the workqueue at the final put / ->free_disk instead of ->release (loop: \"don't destroy lo->workqueue in __loop_clr_fd\"), or move the teardown to a work item that runs without the lock.",
  },
  check(ctx: RuleContext): RuleFinding[] {
    // The work side need not be visible: the loop chain went through kernfs,
    // sb_writers and the cgroup work, far outside the driver.
    return waitsUnderLocks(ctx.analysis, (cls) => OPEN_MUTEX.has(cls), false).map((w) => build(ctx, w));
  },
};

function build(ctx: RuleContext, w: WaitUnderLock): RuleFinding {
  const a = ctx.analysis;
  const { e, back } = w;
  const x = describeWait(a, w);
  const d = x.doubts;
  let message: string;
  let cpu1: string;
  if (back) {
    const when = x.lastRefEdge ? `, when ${x.lastRefEdge.function}() drops the last reference` : "";
    message = `${x.holds} and ${x.waitNote}; that work takes ${x.lname} (${x.chainFns}${when}): deadlock.`;
    cpu1 = `${x.chainFns} → ${back[back.length - 1]!.api}(${x.lname})`;
  } else {
    message = `${x.holds} and ${x.waitNote}. Work on it that needs ${x.lname}, directly or through any lock ordered after it, deadlocks (lockdep: ${lockName(e.from, e.holder.expr)} --> ${lockName(e.to, e.toExpr)}).`;
    cpu1 = `a work item on ${lockName(e.to, e.toExpr)} that needs ${x.lname}`;
  }
  // The incident class: an error whatever the work does, except when the
  // one waited-for work function is visible and takes no lock at all (the
  // cycle cannot close through the driver).
  let severity: RuleFinding["severity"] = "error";
  const fn = e.to.startsWith("work:") ? a.functions.get(e.to.slice(5)) : undefined;
  if (!back && fn && !fn.fn.partial && !fn.summary.effects.some((f) => f.how !== "wait" || f.cls.startsWith("wq:") || f.cls.startsWith("work:"))) {
    severity = "note";
    d.push(`${fn.fn.name}() takes no lock in the analysed code`);
  }
  // Reached only when a put below drops the last reference, from a callback
  // whose caller holds one (->open/->release run with the opener's
  // reference): usually impossible there (nbd_release, nvme_release in 6.1).
  if (e.lastRef && e.lastRefBelow && e.holder.origin === "context") {
    severity = "note";
    d.push(`the wait is reached only when a put below ${e.function}() drops the last reference, which the caller's own reference usually rules out`);
  }
  return {
    ...x.base,
    ruleId: rule.meta.id,
    severity,
    confidence: back ? confidenceOf(d) : confidenceOf([...d, "the work side of the cycle is outside the analysed code"]),
    message,
    question: `Is it safe to wait for this work here? ${x.holds}, and ${x.waitNote}; if any of it needs ${x.lname}${back ? ` (it does: ${x.chainFns})` : ""}, this deadlocks.`,
    trace: x.trace,
    scenario: x.scenarioWith(cpu1),
    limitations: d.length ? d : undefined,
  };
}

export default rule;
