// notifier-unregister-in-callback: a blocking notifier callback — or a
// function it calls, or a final put whose release unregisters the notifier —
// unregisters a notifier on the chain that is calling it.
// blocking_notifier_call_chain() holds the chain's rwsem for read around the
// callbacks; unregister takes it for write: the callback waits for itself.
// vfio/GVT: kvmgt defers the release to a work item for exactly this reason
// (seed 003: "We hold a read-lock on that notifier list, unregistering needs
// a write-lock... deadlock. Release our reference asynchronously").
import { chainOf, confidenceOf, doubts } from "../src/review/evidence.js";
import { pathKey, recursiveScenario, toTrace, viaText } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

const rule: Rule = {
  meta: {
    id: "notifier-unregister-in-callback",
    title: "Notifier unregistered from its own chain's callback",
    family: "notifier",
    defaultSeverity: "warning",
    description: "Disallow unregistering a blocking notifier (directly, through calls or through a final put) from a callback running on the same chain.",
    docs: "docs/rules/notifier-unregister-in-callback.md",
    incidents: [INCIDENTS.vfioNotifier],
    fix: "Defer the unregistration (or the final put that causes it) to a work item, as kvmgt does — and drain that work (cancel_work_sync()/flush_work()) on teardown, or it outlives the object.",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const out: RuleFinding[] = [];
    for (const [node, targets] of a.graph.edges) {
      if (!node.startsWith("notifier:") || node.startsWith("notifier:?")) continue;
      const self = (targets.get(node) ?? []).filter((e) => e.how === "wait" && e.holder.origin === "context" && e.holder.mode === "read");
      if (!self.length) continue;
      const e = a.graph.best(self);
      const chain = node.slice("notifier:".length);
      const d = doubts(a, [e]);
      if (e.lastRef) d.push("the unregistration happens only when a put in the callback drops the last reference");
      const last = e.lastRef ? ", when it drops the last reference" : "";
      out.push({
        ruleId: rule.meta.id,
        severity: "warning",
        confidence: confidenceOf(d),
        file: e.file,
        line: e.line,
        function: e.function,
        message: `${e.function}() is a notifier callback on the ${chain} chain (called with the chain rwsem held for read) and unregisters a notifier on that chain${viaText(e)}${last}: the unregister waits for the write side, deadlock.`,
        question: `Can ${e.function}() unregister from the ${chain} notifier chain here${last}? It runs under that chain's rwsem (read), and ${e.api}()${viaText(e)} needs it for write.`,
        trace: [{ file: e.file, line: e.holder.line, function: e.function, note: `runs under the ${chain} notifier chain rwsem (read)` }, ...toTrace(e.path)],
        scenario: recursiveScenario(`(${chain} notifier chain).rwsem`, `${e.function}()${viaText(e)} → ${e.api}()`),
        key: `${e.function}|${node}|unregister`,
        pathKey: pathKey([e]),
        chain: chainOf([e]),
        limitations: d.length ? d : undefined,
      });
    }
    return out;
  },
};

export default rule;
