// wq-self-flush: a work function (or anything it calls) flushes, cancels
// synchronously or destroys its own workqueue or its own work item: it waits
// for itself. lockdep reports it as "possible recursive locking detected" on
// (wq_completion)X. nbd 2019: recv_work → nbd_config_put() → the last put →
// destroy_workqueue(recv_workq), from inside recv_workq; nvmet: flush_work()
// on a work queued on the same ordered workqueue.
import { chainOf, confidenceOf, doubts } from "../src/review/evidence.js";
import { lockName, pathKey, recursiveScenario, toTrace, viaText } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

const rule: Rule = {
  meta: {
    id: "wq-self-flush",
    title: "Work waits for its own workqueue or itself",
    family: "F2",
    defaultSeverity: "error",
    description: "Disallow flushing, cancelling synchronously or destroying a workqueue (or work item) from a work function running on it.",
    docs: "docs/rules/wq-self-flush.md",
    incidents: [INCIDENTS.nbdSelfFlush],
    fix: "Do the teardown outside the work: destroy the workqueue from the remove/release path after the last work ran (nbd moved destroy_workqueue(recv_workq) out of the recv path), queue the flush on a different workqueue, or use cancel_work() (no _sync) from inside the work.",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const out: RuleFinding[] = [];
    for (const [node, targets] of a.graph.edges) {
      if (!node.startsWith("wq:") && !node.startsWith("work:")) continue;
      const self = (targets.get(node) ?? []).filter((e) => e.how === "wait" && e.holder.origin === "context");
      if (!self.length) continue;
      const e = a.graph.best(self);
      const d = doubts(a, [e]);
      if (e.lastRef) d.push(`reached only when a put in the work drops the last reference`);
      const what = node.startsWith("wq:") ? `the workqueue it runs on (${e.toExpr ?? node.slice(3)})` : `itself (${node.slice(5)}())`;
      const holder = e.holder.via ?? "work function";
      out.push({
        ruleId: rule.meta.id,
        // Reached only through a final put: the 2019 nbd shape, but refcount
        // invariants rule it out more often than not (every such finding of
        // the 6.1 triage was wrong, 5 of 5): a note, said with the reason, as
        // lock-order-inversion and wq-flush-under-lock treat a chain that
        // needs a final put.
        severity: e.lastRef ? "note" : "error",
        confidence: confidenceOf(d),
        file: e.file,
        line: e.line,
        function: e.function,
        message: `${e.function}() runs as ${holder === "work function" ? "a work function" : `work ${holder}`} and ${e.api}()${viaText(e)} waits for ${what}: it waits for itself${e.lastRef ? " (when it drops the last reference)" : ""}.`,
        question: `Can ${e.function}() wait for ${what} here? It runs on that workqueue, so ${e.api}()${viaText(e)} waits for its own completion.`,
        trace: [{ file: e.file, line: e.holder.line, function: e.function, note: `runs inside ${lockName(node)}` }, ...toTrace(e.path)],
        scenario: recursiveScenario(lockName(node), `${e.function}()${viaText(e)} → ${e.api}()`),
        key: `${e.function}|${node}|self`,
        pathKey: pathKey([e]),
        chain: chainOf([e]),
        limitations: d.length ? d : undefined,
      });
    }
    return out;
  },
};

export default rule;
