// wq-flush-under-open-mutex: waiting for work (destroy/flush/drain a
// workqueue, flush/cancel_sync a work item) while disk->open_mutex is held —
// typically from ->release. lockdep records open_mutex → (wq_completion)X,
// and any work on X that (through any chain) needs open_mutex closes the
// cycle: loop 2021-22, syzbot 643e4ce4b6ad1347d372, about a year and four
// reports to fix. The general form, flushing work under a lock L that the
// flushed work itself takes, is reported when the whole chain is visible.
import type { EdgeEvidence } from "../src/analysis/graph.js";
import { chainOf, confidenceOf, doubts, entryHolding, findPath } from "../src/review/evidence.js";
import { holderStep, lockName, lockText, pathKey, scenario, toTrace, viaText } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

const OPEN = "gendisk.open_mutex";
const isWait = (cls: string) => cls.startsWith("wq:") || cls.startsWith("work:");

function waitText(e: EdgeEvidence): string {
  const target = e.toExpr ?? e.to.replace(/^(wq|work):/, "");
  // Work items are passed by address, workqueues by pointer.
  return `${e.api}(${e.to.startsWith("work:") && !target.startsWith("&") ? "&" : ""}${target})`;
}

function whatWaited(e: EdgeEvidence): string {
  if (e.to.startsWith("wq:")) return `every work item queued on ${e.toExpr ?? e.to.slice(3)}`;
  return `the work function ${e.to.slice(5)}()`;
}

const rule: Rule = {
  meta: {
    id: "wq-flush-under-open-mutex",
    title: "Workqueue flushed or destroyed under disk->open_mutex",
    family: "F2",
    defaultSeverity: "error",
    description: "Disallow waiting for work (destroy_workqueue, flush_workqueue, drain_workqueue, flush_work, cancel_work_sync …) with disk->open_mutex held, or under any lock the flushed work takes.",
    docs: "docs/rules/wq-flush-under-open-mutex.md",
    incidents: [INCIDENTS.loopDestroyWq, INCIDENTS.loopDestroyWqSyzbot, INCIDENTS.loopLoMutexWq],
    fix: "Do not wait for work under open_mutex: destroy the workqueue at the final put / ->free_disk instead of ->release (loop: \"don't destroy lo->workqueue in __loop_clr_fd\"), or move the teardown to a work item that runs without the lock.",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const g = a.graph;
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    for (const [from, targets] of g.edges) {
      if (isWait(from) || from.startsWith("kernfs:") || from.startsWith("notifier:") || from.startsWith("kthread:")) continue;
      for (const [to, list] of targets) {
        if (!isWait(to)) continue;
        const waits = list.filter((e) => e.how === "wait");
        if (!waits.length) continue;
        for (const fn of new Set(waits.map((e) => e.function))) {
          const e = g.best(waits.filter((x) => x.function === fn));
          const id = `${fn}|${from}|${to}`;
          if (seen.has(id)) continue;
          // Does the waited-for work (or anything it waits on) come back to `from`?
          const back = findPath(g, to, from, 4, (c) => c === from);
          if (from !== OPEN && !back) continue; // general form only with the whole chain
          seen.add(id);
          out.push(build(ctx, e, back));
        }
      }
    }
    return out;
  },
};

function build(ctx: RuleContext, e: EdgeEvidence, back: EdgeEvidence[] | null): RuleFinding {
  const a = ctx.analysis;
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
  let message: string;
  let cpu1: string;
  if (back) {
    const last = back[back.length - 1];
    const chainFns = back.map((b) => `${b.function}()`).join(" → ");
    const when = lastRefEdge ? `, when ${lastRefEdge.function}() drops the last reference` : "";
    message = `${holds} and ${waitNote}; that work takes ${lname} (${chainFns}${when}): deadlock.`;
    cpu1 = `${chainFns} → ${last.api}(${lname})`;
  } else {
    message = `${holds} and ${waitNote}. Work on it that needs ${lname}, directly or through any lock ordered after it, deadlocks (lockdep: ${lockName(L, e.holder.expr)} --> ${lockName(e.to, e.toExpr)}).`;
    cpu1 = `a work item on ${lockName(e.to, e.toExpr)} that needs ${lname}`;
  }
  if (lastRefEdge) d.push(`the chain goes through a final put in ${lastRefEdge.function}(); it deadlocks only if that put can drop the last reference there`);
  // The open_mutex form is the incident class and an error whatever the work
  // does; the general form needs a chain that does not hinge on a final put.
  let severity: RuleFinding["severity"] = L === OPEN || !lastRefEdge ? "error" : "note";
  // Waiting for one known work function that takes no lock at all in the
  // analysed code: the cycle cannot close through the driver.
  const fn = e.to.startsWith("work:") ? a.functions.get(e.to.slice(5)) : undefined;
  if (!back && fn && !fn.fn.partial && !fn.summary.effects.some((x) => x.how !== "wait" || x.cls.startsWith("wq:") || x.cls.startsWith("work:"))) {
    severity = "warning";
    d.push(`${fn.fn.name}() takes no lock in the analysed code`);
  }
  return {
    ruleId: rule.meta.id,
    severity,
    confidence: back ? confidenceOf(d) : confidenceOf([...d, "the work side of the cycle is outside the analysed code"]),
    file: e.file,
    line: e.line,
    function: e.function,
    message,
    question: `Is it safe to wait for this work here? ${holds}, and ${waitNote}; if any of it needs ${lname}${back ? ` (it does: ${back.map((b) => `${b.function}()`).join(" → ")})` : ""}, this deadlocks.`,
    trace: [holderStep(e), ...toTrace(e.path), ...(back ?? []).flatMap((b) => [holderStep(b), ...toTrace(b.path)])],
    scenario: scenario(
      { held: lockName(L, e.holder.expr), wants: lockName(e.to, e.toExpr), who: `${entry?.caller ? `${entry.caller} → ` : ""}${e.function}()${viaText(e)} → ${e.api}()` },
      { held: lockName(e.to, e.toExpr), wants: lockName(L, e.holder.expr), who: cpu1 },
      back ? [lockName(L), lockName(e.to, e.toExpr), ...back.slice(0, -1).map((b) => lockName(b.to, b.toExpr))] : undefined,
    ),
    key: `${e.function}|${L}|${e.to}`,
    pathKey: pathKey(edges),
    chain: chainOf(edges),
    limitations: d.length ? d : undefined,
  };
}

export default rule;
