// lock-across-del-gendisk: a driver lock held while del_gendisk() runs.
// del_gendisk() takes disk->open_mutex (since c76f48eb5c08), and the block
// layer calls ->open/->release with it held: a lock that is both held across
// del_gendisk() and taken under open_mutex is an AB-BA deadlock (nbd 2021,
// loop 2021); del_gendisk() reached with open_mutex already held is AA
// (nbd_release → nbd_put, xen-blkfront).
import type { EdgeEvidence } from "../src/analysis/graph.js";
import { chainOf, confidenceOf, doubts, entryHolding } from "../src/review/evidence.js";
import { heldHere, holderStep, isPseudo, lockName, lockText, pathKey, recursiveScenario, scenario, toTrace, viaText } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";

const OPEN = "gendisk.open_mutex";

const rule: Rule = {
  meta: {
    id: "lock-across-del-gendisk",
    title: "Driver lock held across del_gendisk()",
    family: "F1",
    defaultSeverity: "error",
    description: "Disallow holding a lock across del_gendisk() when that lock is also taken under disk->open_mutex (AB-BA), or calling del_gendisk() with open_mutex held (AA).",
    docs: "docs/rules/lock-across-del-gendisk.md",
    incidents: [INCIDENTS.nbd2021, INCIDENTS.nbd2021Syzbot, INCIDENTS.loop2021Remove, INCIDENTS.xenBlkfront],
    fix: "Call del_gendisk() outside the lock: defer it to a work item queued under the lock and run outside it (nbd 68c9417b193d), or shrink the lock's scope so it is dropped before del_gendisk() (nbd 6e4df4c64881, loop 990e78116d38).",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const g = a.graph;
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    for (const [from, targets] of g.edges) {
      if (isPseudo(from)) continue; // a work function calling del_gendisk() is the fix, not the bug
      const across = (targets.get(OPEN) ?? []).filter((e) => e.how === "implicit" && e.api === "del_gendisk");
      for (const e of across) {
        const id = `${e.function}|${from}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const best = g.best(across.filter((x) => x.function === e.function));
        out.push(from === OPEN ? recursive(ctx, best) : inversion(ctx, best));
      }
    }
    return out;
  },
};

/**
 * Were the driver's ->open/->release visible whole? With the driver's files
 * (tree, scan) yes, unless one of them came from a diff only; from hunks
 * alone only when the hunks show them complete (an ops table, whole bodies).
 */
function openReleaseSeen(ctx: RuleContext): boolean {
  const cbs = [...ctx.analysis.functions.values()].filter((f) => f.entries.some((x) => x.kind === "bdev-open" || x.kind === "bdev-release"));
  if (cbs.some((f) => f.fn.partial || f.entries.some((x) => x.inferred))) return false;
  return ctx.kind !== "hunks" || cbs.length > 0;
}

function whoRemoves(e: EdgeEvidence): string {
  return [e.function, ...e.path.slice(1).map((s) => s.function)].map((f) => `${f}()`).join(" → ") + " → del_gendisk()";
}

function inversion(ctx: RuleContext, e: EdgeEvidence): RuleFinding {
  const a = ctx.analysis;
  const g = a.graph;
  const L = e.from;
  const lname = lockText(L, e.holder.expr);
  const reverse = g.evidence(OPEN, L);
  const base = {
    ruleId: rule.meta.id,
    file: e.file,
    line: e.line,
    function: e.function,
    key: `${e.function}|${L}|del_gendisk`,
  };
  const last = e.lastRef ? " when the last reference is dropped" : "";
  if (!reverse.length) {
    const d = doubts(a, [e]);
    // Absence of the other half is evidence only when the driver's ->open and
    // ->release were seen whole; from a diff alone it is the reviewer's question.
    const seen = openReleaseSeen(ctx);
    if (!seen) d.push("the driver's ->open/->release were not visible");
    return {
      ...base,
      severity: seen ? "note" : "warning",
      confidence: confidenceOf(d),
      message: seen
        ? `${e.function}() holds ${lname} across del_gendisk()${viaText(e)}${last}. Not a deadlock in the analysed code: nothing here takes ${lname} under disk->open_mutex (->open/->release).`
        : `${e.function}() holds ${lname} across del_gendisk()${viaText(e)}${last}; del_gendisk() takes disk->open_mutex, so if ->open or ->release takes ${lname} this is an AB-BA deadlock (nbd and loop 2021). The driver's ->open/->release are not in the patch.`,
      question: `Does anything take ${lname} in ->open or ->release, or under disk->open_mutex? del_gendisk() takes disk->open_mutex while ${e.function}() holds ${lname}${viaText(e)}.`,
      trace: [holderStep(e), ...toTrace(e.path)],
      pathKey: pathKey([e]),
      chain: chainOf([e]),
      limitations: d.length ? d : undefined,
    };
  }
  const r = g.best(reverse);
  const entry = entryHolding(a, r.function, OPEN);
  const underOpen = r.holder.origin === "context" && entry ? `${r.function}() takes ${lname} under disk->open_mutex (${entry.note})` : `${r.function}() takes ${lname} with disk->open_mutex held`;
  const held = heldHere(e, lname);
  const d = doubts(a, [e, r]);
  // nbd 2021's put took the lock *as* the last reference dropped; a final put
  // deep below an unrelated lock is often impossible (the caller holds a reference).
  const finalPutBelow = e.lastRefBelow && !e.holder.conditional;
  if (finalPutBelow) d.push(`del_gendisk() is reached only when a put below ${e.function}() drops the last reference`);
  return {
    ...base,
    // nbd 2021's put took the lock as the last reference dropped (the put is
    // here); one deep below is reached only if no caller holds a reference.
    severity: finalPutBelow ? "note" : "error",
    confidence: confidenceOf(d),
    message: `${e.function}() holds ${lname} across del_gendisk()${viaText(e)}${last}; ${underOpen}, which del_gendisk() also takes: AB-BA deadlock.`,
    // The lock and both halves are in the code; what is not is whether an open can race with this removal.
    question: `${held.sure ? "Can the disk still be opened at this point?" : `Is ${lname} held when this runs, and can the disk still be opened then?`} ${held.text}, del_gendisk()${viaText(e)} takes disk->open_mutex, and ${r.function}() takes ${lname} under it${entry ? ` (${entry.note})` : ""}, so an open at that moment deadlocks against this removal.`,
    trace: [holderStep(e), ...toTrace(e.path), holderStep(r), ...toTrace(r.path)],
    scenario: scenario(
      { held: lockName(L, e.holder.expr), wants: "&disk->open_mutex", who: whoRemoves(e) },
      { held: "&disk->open_mutex", wants: lockName(L, r.toExpr), who: `${entry?.caller ? `${entry.caller} → ` : ""}${r.function}()${viaText(r)}` },
    ),
    pathKey: pathKey([e, r]),
    chain: chainOf([e, r]),
    limitations: d.length ? d : undefined,
  };
}

function recursive(ctx: RuleContext, e: EdgeEvidence): RuleFinding {
  const a = ctx.analysis;
  const entry = e.holder.origin === "context" ? entryHolding(a, e.function, OPEN) : undefined;
  const held = entry ? `${e.function}() runs with disk->open_mutex held (${entry.note})` : `${e.function}() holds disk->open_mutex`;
  const d = doubts(a, [e]);
  const last = e.lastRef ? " on the last-reference path" : "";
  if (e.lastRef) d.push("del_gendisk() is reached only when this put drops the last reference, which a reference held by the caller may rule out");
  return {
    ruleId: rule.meta.id,
    // nbd's AA through ->release (KNOWN-INCIDENTS F1.1) went through a final
    // put below: an error, with the doubt in its confidence.
    severity: "error",
    confidence: confidenceOf(d),
    file: e.file,
    line: e.line,
    function: e.function,
    message: `${held} and reaches del_gendisk()${viaText(e)}${last}, which takes disk->open_mutex again: AA deadlock.`,
    question: `Can this reach del_gendisk() with disk->open_mutex held? ${held}, and del_gendisk()${viaText(e)} takes it again.`,
    trace: [holderStep(e), ...toTrace(e.path)],
    scenario: recursiveScenario("&disk->open_mutex", `${entry?.caller ? `${entry.caller} → ` : ""}${whoRemoves(e)}`),
    key: `${e.function}|${OPEN}|del_gendisk`,
    pathKey: pathKey([e]),
    chain: chainOf([e]),
    limitations: d.length ? d : undefined,
    fix: "Do not remove the disk from ->release or with open_mutex held: defer del_gendisk() to a work item (nbd 68c9417b193d) or to the removal path that runs without open_mutex.",
  };
}

export default rule;
