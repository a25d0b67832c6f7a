// wq-flush-under-lock: waiting for work (flush_work, cancel_work_sync,
// flush/drain/destroy_workqueue …) while holding a driver lock L that the
// waited-for work itself takes. The work blocks on L, the waiter holds L
// and waits for the work: deadlock, whatever disk->open_mutex does. loop
// 2021 held lo_mutex across destroy_workqueue() (syzbot
// 63614029dfb79abd4383; fixed by dfb2cc3b7f7e "loop: don't hold lo_mutex
// during __loop_clr_fd()"). Unlike the open_mutex form the lock is the
// driver's own, so the fix is in the driver's locking (drop L before
// waiting), not in moving the teardown out of ->release; and since the
// driver's lock means nothing by itself, it is reported only when the
// analysis sees the work come back to L.
import { confidenceOf } from "../src/review/evidence.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";
import { describeWait, OPEN_MUTEX, waitsUnderLocks, type WaitUnderLock } from "./wq-flush-under-open-mutex.js";

const rule: Rule = {
  meta: {
    id: "wq-flush-under-lock",
    title: "Work flushed or cancelled under a lock the work takes",
    family: "F2",
    defaultSeverity: "error",
    description: "Disallow waiting for work (flush_work, cancel_work_sync, flush_workqueue, destroy_workqueue …), a thread (kthread_stop) or a timer callback (del_timer_sync, hrtimer_cancel) while holding a driver lock that the waited-for code takes.",
    docs: "docs/rules/wq-flush-under-lock.md",
    incidents: [INCIDENTS.loopLoMutexWq, INCIDENTS.loopLoMutexWqSyzbot],
    fix: "Wait for the work without the lock: release it before the flush or cancel_*_sync() and re-check the state afterwards (loop dfb2cc3b7f7e \"loop: don't hold lo_mutex during __loop_clr_fd()\"), or let the work function run without that lock (a flag or reference taken under the lock before it is queued).",
  },
  check(ctx: RuleContext): RuleFinding[] {
    // One finding per holder (a patch may fix one and leave another), each
    // naming the others that reach the same wait with the lock held. A caller
    // whose path goes through a holder that assumes the lock on entry
    // (lockdep_assert_held(), __must_hold) is that holder's finding already.
    const all = waitsUnderLocks(ctx.analysis, (cls) => !OPEN_MUTEX.has(cls), true);
    const siteOf = (w: WaitUnderLock) => {
      const s = w.e.path[w.e.path.length - 1] ?? { file: w.e.file, line: w.e.line };
      return `${w.e.from}|${w.e.to}|${s.file}:${s.line}`;
    };
    const bySite = new Map<string, WaitUnderLock[]>();
    for (const w of all) bySite.set(siteOf(w), [...(bySite.get(siteOf(w)) ?? []), w]);
    const out: RuleFinding[] = [];
    for (const list of bySite.values()) {
      const assumers = new Set(list.filter((w) => w.e.holder.origin === "assumed" || w.e.holder.origin === "context").map((w) => w.e.function));
      const kept = list.filter((w) => !w.e.path.slice(1).some((p) => p.function !== w.e.function && assumers.has(p.function)));
      for (const w of kept) {
        const f = build(ctx, w);
        const others = [...new Set(kept.map((x) => x.e.function))].filter((n) => n !== w.e.function);
        if (!others.length) {
          out.push(f);
          continue;
        }
        const also = ` (also reached with it held from ${others.slice(0, 3).map((n) => `${n}()`).join(", ")}${others.length > 3 ? ` and ${others.length - 3} more` : ""})`;
        out.push({ ...f, message: f.message.replace(/: deadlock\.$/, `${also}: deadlock.`) });
      }
    }
    return out;
  },
};

function build(ctx: RuleContext, w: WaitUnderLock): RuleFinding {
  const x = describeWait(ctx.analysis, w);
  const back = w.back!;
  const when = x.lastRefEdge ? `, when ${x.lastRefEdge.function}() drops the last reference` : "";
  const it = w.e.to.startsWith("timer:") ? "callback" : w.e.to.startsWith("kthread:") ? "thread" : "work";
  return {
    ...x.base,
    ruleId: rule.meta.id,
    // A chain that hinges on a final put is often impossible (the caller
    // holds a reference): a note, as the drbd/rbd/nbd puts of 6.1 showed.
    severity: x.lastRefEdge ? "note" : "error",
    confidence: confidenceOf(x.doubts),
    message: `${x.holds} and ${x.waitNote}; that ${it} takes ${x.lname} (${x.chainFns}${when}): deadlock.`,
    // What is known: the lock is held and the work takes it. What is not: whether the work can be pending here.
    question: `Can that ${it} still be ${it === "work" ? "queued or " : ""}running here? ${x.holds}, and ${x.waitNote}; the ${it} takes ${x.lname} itself (${x.chainFns}${when}), so it cannot finish while ${x.lname} is held.`,
    trace: x.trace,
    scenario: x.scenarioWith(`${x.chainFns} → ${back[back.length - 1]!.api}(${x.lname})`),
    limitations: x.doubts.length ? x.doubts : undefined,
  };
}

export default rule;
