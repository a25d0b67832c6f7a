// caller-lock-dropped: a function unlocks a lock it did not take and that
// its caller holds — `mutex_unlock(&disk->open_mutex)` in ->release,
// `genl_unlock()` in a genl .doit, or a helper that unlocks … calls …
// relocks a lock its caller took. The caller's reasoning about what the lock
// protects no longer holds (Hellwig, Kara, loop 2021; KNOWN-INCIDENTS F3).
// Evidence required: the callback context, a lockdep_assert_held()/
// __must_hold(), or a caller in the analysed code that holds the lock.
// Severity: warning when the lock belongs to the calling framework (the
// incident class); note when it is the driver's own lock (drop-and-wait
// loops inside one driver are common and usually deliberate).
import type { Analysis } from "../src/analysis/program.js";
import type { Drop } from "../src/analysis/summary.js";
import { confidenceOf, entryHolding } from "../src/review/evidence.js";
import { lockText, toTrace } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

const rule: Rule = {
  meta: {
    id: "caller-lock-dropped",
    title: "Callee drops a lock its caller holds",
    family: "F3",
    defaultSeverity: "warning",
    description: "Disallow unlocking (even temporarily) a lock that the caller or the calling framework holds.",
    docs: "docs/rules/caller-lock-dropped.md",
    incidents: [INCIDENTS.hchDropLock, INCIDENTS.janKaraDropLock, INCIDENTS.loopDestroyWq],
    fix: "Do the work that needs the lock dropped somewhere the lock is not held: defer it to a work item or task_work (loop: loop_schedule_rundown()), or restructure so the caller releases the lock itself.",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    const add = (f: RuleFinding) => {
      if (seen.has(f.key)) return;
      seen.add(f.key);
      out.push(f);
    };
    for (const [name, info] of a.functions) {
      // 1. The function itself unlocks a lock held on entry (callback context or asserted).
      for (const r of info.facts.releases) {
        if (r.viaCallee || (r.matched !== "context" && r.matched !== "assumed")) continue;
        const entry = entryHolding(a, name, r.cls);
        const why = r.matched === "context" ? (entry?.note ?? r.heldVia ?? "held by the caller") : `asserted held by ${r.heldVia ?? "lockdep_assert_held()"}`;
        const lname = lockText(r.cls, r.expr);
        const relock = r.relockLine ? ` and re-takes it at line ${r.relockLine}` : " and returns without re-taking it";
        const doubts = entry?.inferred ? [`${name}() was taken for a callback from its name and parameters (its ops table was not visible)`] : [];
        // A framework's lock (held by the block layer, genetlink, a notifier
        // chain …) is the incident class; a function that documents the lock
        // with lockdep_assert_held()/__must_hold() and drops it is usually a
        // deliberate wait loop of the driver's own locking: a note.
        add({
          ruleId: rule.meta.id,
          severity: r.matched === "context" ? "warning" : "note",
          confidence: confidenceOf(doubts),
          file: r.file,
          line: r.line,
          function: name,
          message: `${name}() unlocks ${lname}, which its caller holds (${why})${relock}.`,
          question: `Is it safe to drop ${lname} here? ${name}() is called with it held (${why}); the caller's locking assumptions do not hold while it is dropped${r.relockLine ? "" : ", and the caller will unlock it again"}.`,
          trace: [
            { file: r.file, line: info.fn.line, function: name, note: `${lname} held on entry: ${why}` },
            { file: r.file, line: r.line, function: name, note: `${r.api}(${r.expr})` },
            ...(r.relockLine ? [{ file: r.file, line: r.relockLine, function: name, note: `re-takes ${lname}` }] : []),
          ],
          key: `${name}|${r.cls}|drop`,
          pathKey: name,
          chain: [{ file: r.file, line: r.line }, ...(r.relockLine ? [{ file: r.file, line: r.relockLine }] : [])],
          limitations: doubts.length ? doubts : undefined,
        });
      }
      // 2. A callee drops a lock this function holds at the call.
      for (const cs of info.facts.callSites) {
        if (cs.indirect) continue;
        const callee = a.functions.get(cs.callee);
        if (!callee) continue;
        for (const d of callee.summary.drops) {
          if (d.partial) continue; // the callee may take it in the part we cannot see
          const holders = cs.heldSets.flatMap((s) => s.filter((h) => h.cls === d.cls && h.kind !== "resource"));
          if (!holders.length) continue;
          const h = holders[0];
          // A plain unlock helper for a lock this function took is fine;
          // dropping a framework's lock, or dropping and re-taking, is not.
          if (!d.relock && h.origin !== "context" && h.origin !== "assumed") continue;
          add(fromCallee(a, name, cs.line, cs.file, h.origin === "context" ? entryHolding(a, name, d.cls)?.note : undefined, d, h.line, h.origin === "context" ? "warning" : "note"));
        }
      }
    }
    return out;
  },
};

function fromCallee(a: Analysis, caller: string, callLine: number, file: string, contextNote: string | undefined, d: Drop, heldLine: number, severity: RuleFinding["severity"]): RuleFinding {
  const drop = d.path[d.path.length - 1];
  const lname = lockText(d.cls, d.expr);
  const via = d.path.slice(0, -1).map((s) => `${s.function}()`);
  const dropper = drop.function;
  const held = contextNote ? `${caller}() runs with ${lname} held (${contextNote})` : `${caller}() holds ${lname}`;
  void a;
  return {
    ruleId: rule.meta.id,
    severity,
    confidence: "high",
    file: drop.file,
    line: drop.line,
    function: dropper,
    message: `${dropper}() unlocks ${lname}${d.relock ? " and re-takes it" : ""}, but ${held} when it calls ${via.length ? via.join(" → ") : `${dropper}()`}.`,
    question: `Is it safe for ${dropper}() to drop ${lname}? ${held} when calling it (line ${callLine}), and relies on it staying held.`,
    trace: [
      { file, line: heldLine, function: caller, note: contextNote ? `${lname} held on entry: ${contextNote}` : `${lname} taken` },
      { file, line: callLine, function: caller, note: `calls ${d.path[0]?.function ?? dropper}()` },
      ...toTrace(d.path),
    ],
    key: `${dropper}|${d.cls}|drop`,
    pathKey: `${caller}>${d.path.map((s) => s.function).join(">")}`,
    chain: [{ file, line: callLine }, ...d.path.map((s) => ({ file: s.file, line: s.line }))],
  };
}

export default rule;
