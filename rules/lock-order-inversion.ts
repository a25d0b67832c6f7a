// lock-order-inversion: a cycle in the lock-order graph between locks the
// analysed code takes — AB-BA between two driver locks, or with rtnl,
// genl_mutex, disk->open_mutex or a workqueue/work pseudo-lock in between.
// Most real deadlock fixes in driver history are of this general kind (ublk
// 2023 uring_lock vs ub->mutex, vfio/KVM 2023 group_lock vs kvm->lock).
// Only complete cycles with evidence on every edge are reported; shapes that
// a more specific rule owns (del_gendisk under a lock, a flush under a lock
// the work takes, a notifier unregistered from its callback, sysfs removed
// under a lock its show/store takes) are left to that rule.
import type { Cycle, EdgeEvidence } from "../src/analysis/graph.js";
import { chainOf, confidenceOf, doubts, entryHolding } from "../src/review/evidence.js";
import { holderStep, isPseudo, lockName, lockText, pathKey, recursiveScenario, scenario, toTrace, viaText } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

const OPEN = "gendisk.open_mutex";

/** A cycle a specific rule already reports. */
function ownedElsewhere(c: Cycle): boolean {
  const realLocks = c.nodes.filter((n) => !isPseudo(n));
  if (realLocks.length < 2) return true; // flush/self-flush/notifier/sysfs shapes
  return c.edges.some((e) => (e.to === OPEN && e.api === "del_gendisk") || e.to.startsWith("kernfs:") || e.to.startsWith("notifier:"));
}

function who(a: RuleContext["analysis"], e: EdgeEvidence): string {
  const entry = e.holder.origin === "context" ? entryHolding(a, e.function, e.holder.cls) : undefined;
  return `${entry?.caller ? `${entry.caller} → ` : ""}${e.function}()${viaText(e)}`;
}

const rule: Rule = {
  meta: {
    id: "lock-order-inversion",
    title: "Lock-order inversion (AB-BA)",
    family: "lock-order",
    defaultSeverity: "error",
    description: "Disallow taking two locks in opposite orders on two paths (a cycle in the lock-order graph), including through rtnl, genl_mutex, disk->open_mutex and workqueue flushes.",
    docs: "docs/rules/lock-order-inversion.md",
    incidents: [INCIDENTS.ublkAbba, INCIDENTS.vfioKvm],
    fix: "Take the locks in one order everywhere: move the inner acquisition out of the outer lock's section, drop the first lock before taking the second, or defer the work that needs the second lock (a work item, task_work).",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const out: RuleFinding[] = recursions(ctx);
    const seen = new Set<string>();
    // Shortest cycles first; one finding per set of real locks.
    const cycles = a.graph.cycles(3).sort((x, y) => x.nodes.length - y.nodes.length);
    for (const c of cycles) {
      if (c.nodes.length < 2 || ownedElsewhere(c)) continue;
      // Evidence on every edge: no part hidden, no read-read pair.
      if (c.edges.some((e) => !e || e.partial || e.reentrant)) continue;
      if (c.edges.some((e) => e.holder.mode === "read" && e.toMode === "read")) continue;
      const real = c.nodes.filter((n) => !isPseudo(n)).sort();
      const key = real.join("|");
      // A longer cycle over locks already reported adds nothing.
      if (seen.has(key) || [...seen].some((k) => k.split("|").every((n) => real.includes(n)))) continue;
      // A lock held at every step of the cycle serialises it (both paths under genl_mutex …).
      const gates = c.edges.map((e) => new Set(e.gate ?? []));
      const gate = [...gates[0]].find((g) => !c.nodes.includes(g) && gates.every((s) => s.has(g)));
      if (gate) continue;
      seen.add(key);
      const d = doubts(a, c.edges);
      const lastRef = c.edges.find((e) => e.lastRef);
      if (lastRef) d.push(`the cycle needs a final put in ${lastRef.function}() to drop the last reference`);
      const maybe = c.edges.find((e) => e.conditional && e.how === "implicit");
      if (maybe) d.push(`${maybe.api}() takes ${lockText(maybe.to)} only in some cases (${maybe.note ?? "conditional"})`);
      const [first, second] = [c.edges[0], c.edges[1]];
      const names = c.nodes.map((n, i) => lockText(n, c.edges[i].holder.expr));
      const paths = c.edges.map((e, i) => `${who(a, e)} takes ${lockText(e.to, e.toExpr)} while holding ${names[i]}`);
      const anchorEdge = c.edges.find((e) => !e.lastRef) ?? first;
      out.push({
        ruleId: rule.meta.id,
        severity: lastRef || maybe ? "note" : "error",
        confidence: confidenceOf(d),
        file: anchorEdge.file,
        line: anchorEdge.line,
        function: anchorEdge.function,
        message: `Lock-order inversion between ${names.join(" and ")}: ${paths.join("; ")}.`,
        question: `Can these two paths run concurrently? ${paths.join("; and ")} — each then waits for the lock the other holds.`,
        trace: c.edges.flatMap((e) => [holderStep(e), ...toTrace(e.path)]),
        scenario: scenario(
          { held: lockName(first.from, first.holder.expr), wants: lockName(first.to, first.toExpr), who: who(a, first) },
          { held: lockName(second.from, second.holder.expr), wants: lockName(second.to, second.toExpr), who: who(a, second) },
          c.nodes.length > 2 ? c.nodes.map((n, i) => lockName(n, c.edges[i].holder.expr)) : undefined,
        ),
        key: `cycle|${key}`,
        pathKey: pathKey(c.edges),
        chain: chainOf(c.edges),
        limitations: d.length ? d : undefined,
      });
    }
    return out;
  },
};

/**
 * AA: a lock class taken again while it is held, with no nesting annotation
 * (lockdep's "possible recursive locking detected"): a release() that locks
 * instead of unlocking, a helper that takes the lock its caller already
 * holds. Kernel code that really nests two objects of one class says so with
 * mutex_lock_nested()/spin_lock_nested(), and those are not reported; nor
 * are read-read pairs, trylocks, untyped classes, chains partly hidden, or
 * two expressions that may name different objects of the class (the walk
 * cannot tell `chip` from `contender`, lockdep would; instances.ts).
 */
function recursions(ctx: RuleContext): RuleFinding[] {
  const a = ctx.analysis;
  const out: RuleFinding[] = [];
  for (const [cls, targets] of a.graph.edges) {
    if (isPseudo(cls) || cls.startsWith("alloc:")) continue;
    const self = (targets.get(cls) ?? []).filter(
      (e) => e.how === "lock" && e.sameObject && !e.partial && e.holder.typed && e.holder.kind !== "resource" && !NESTED.test(e.api) && !(e.holder.mode === "read" && e.toMode === "read"),
    );
    // One finding per holder (a patch may fix one holder and leave another),
    // each naming the other holders that reach the same acquisition; a caller
    // whose path goes through a holder that assumes the lock on entry is that
    // holder's finding already.
    const groups = new Map<string, EdgeEvidence[]>();
    for (const e of self) {
      // Re-entering the holding function (recursion through the call graph): the inner call's
      // arguments choose another path (qla82xx_wr_32() → …crb_win_lock() → qla82xx_wr_32(LOCK_ID)).
      if (e.reentrant) continue;
      const site = e.path[e.path.length - 1] ?? { file: e.file, line: e.line };
      const k = `${site.file}:${site.line}`;
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    for (const group of groups.values()) {
      const assumers = new Set(group.filter((x) => x.holder.origin === "assumed" || x.holder.origin === "context").map((x) => x.function));
      const kept = group.filter((x) => !x.path.slice(1).some((p) => p.function !== x.function && assumers.has(p.function)));
      const holders = [...new Set(kept.map((x) => x.function))];
      for (const fn of holders) {
        const e = a.graph.best(kept.filter((x) => x.function === fn));
        const others = holders.filter((f) => f !== fn);
        const d = doubts(a, [e]);
        if (e.lastRef) d.push(`it needs a final put in ${e.function}() to drop the last reference`);
        if (e.conditional) d.push("one of the two acquisitions is conditional");
        // The second acquisition in a callee hinges on that callee's own branches, which the
        // analysis does not decide from constant or computed arguments (6.1 triage: 4 of 19
        // such findings real): a note with the reviewer's question, not an error.
        const below = e.path.length > 1;
        if (below) d.push(`the second acquisition is in ${e.path[e.path.length - 1]!.function}(), on a path whose conditions were not checked against the caller's arguments`);
        const name = lockText(cls, e.holder.expr);
        out.push({
          ruleId: rule.meta.id,
          severity: e.lastRef || e.conditional || below ? "note" : "error",
          confidence: confidenceOf(d),
          file: e.file,
          line: e.line,
          function: e.function,
          message: `Recursive locking of ${name}: ${who(a, e)} takes ${lockText(e.to, e.toExpr)} while already holding it${others.length ? ` (also reached with it held from ${others.slice(0, 3).map((f) => `${f}()`).join(", ")}${others.length > 3 ? ` and ${others.length - 3} more` : ""})` : ""}.`,
          question: `Is ${name} really free here? ${who(a, e)} holds it and then takes it again; unless these are two objects of one class (then mutex_lock_nested() says so), this deadlocks.`,
          trace: [holderStep(e), ...toTrace(e.path)],
          scenario: recursiveScenario(lockName(cls, e.holder.expr), who(a, e)),
          key: `recursive|${e.function}|${cls}`,
          pathKey: pathKey([e]),
          chain: chainOf([e]),
          limitations: d.length ? d : undefined,
        });
      }
    }
  }
  return out;
}

/** Acquisitions annotated as nesting (a second object of the class, by subclass). */
const NESTED = /_nested$|_nest_lock$/;

export default rule;
