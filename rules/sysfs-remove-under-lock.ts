// sysfs-remove-under-lock: removing sysfs attributes (device_remove_file,
// sysfs_remove_group, device_del, del_gendisk — which removes the disk's
// sysfs) while holding a lock that one of the driver's own show()/store()
// callbacks takes. kernfs waits for running show/store (their active
// reference) before removal completes; a store blocked on that lock never
// finishes. zram 2021, rnbd-srv 2021, blk_ia_range 2022.
import { chainOf, confidenceOf, doubts, findPath } from "../src/review/evidence.js";
import { heldHere, holderStep, isPseudo, lockText, pathKey, scenario, toTrace, viaText } from "../src/review/explain.js";
import { INCIDENTS } from "../src/review/incidents.js";
import type { Rule, RuleContext, RuleFinding } from "../src/review/rule.js";


const rule: Rule = {
  meta: {
    id: "sysfs-remove-under-lock",
    title: "sysfs removed under a lock its show/store takes",
    family: "kernfs",
    defaultSeverity: "error",
    description: "Disallow removing sysfs files (device_remove_file, sysfs_remove_group, device_del, del_gendisk) while holding a lock that the driver's own show()/store() callbacks take.",
    docs: "docs/rules/sysfs-remove-under-lock.md",
    incidents: [INCIDENTS.zramSysfs, INCIDENTS.rnbdSysfs, INCIDENTS.blkIaRange],
    fix: "Remove the sysfs files before taking the lock (or after dropping it); in show()/store(), use mutex_trylock() and return -EBUSY/restart_syscall() when teardown holds the lock (rnbd-srv), or check a 'removing' flag first.",
  },
  check(ctx: RuleContext): RuleFinding[] {
    const a = ctx.analysis;
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    for (const [from, targets] of a.graph.edges) {
      if (isPseudo(from)) continue;
      for (const [KERNFS, list] of targets) {
      if (!KERNFS.startsWith("kernfs:")) continue;
      const removals = list.filter((e) => e.how === "wait");
      for (const e of removals) {
        const id = `${e.function}|${from}|${KERNFS}`;
        if (seen.has(id)) continue;
        // A show/store of the same kind of object (inside its kn->active) that takes the lock.
        const back = findPath(a.graph, KERNFS, from, 3, (c) => c === from);
        if (!back) continue;
        seen.add(id);
        const best = a.graph.best(removals.filter((x) => x.function === e.function));
        const kind = KERNFS.slice("kernfs:".length);
        const lname = lockText(from, best.holder.expr);
        const cb = back[0];
        const d = doubts(a, [best, ...back]);
        const held = heldHere(best, lname);
        if (best.api === "del_gendisk") d.push("del_gendisk() removes the disk's own attributes; the show/store found may belong to another device of the driver");
        void kind;
        out.push({
          ruleId: rule.meta.id,
          severity: "error",
          confidence: confidenceOf(d),
          file: best.file,
          line: best.line,
          function: best.function,
          message: `${best.function}() holds ${lname} while ${best.api}()${viaText(best)} removes sysfs files and waits for running show()/store(); ${cb.function}() (a sysfs callback) takes ${lname}${viaText(cb)}: deadlock.`,
          // Known: the lock is held and the callback takes it. Unknown: whether the callback can be running.
          question: `${held.sure ? `Can ${cb.function}() still be running at this point?` : `Is ${lname} held when this runs, and can ${cb.function}() still be running then?`} ${held.text}, ${best.api}()${viaText(best)} waits for active sysfs callbacks, and ${cb.function}() takes ${lname}.`,
          trace: [holderStep(best), ...toTrace(best.path), holderStep(cb), ...toTrace(cb.path)],
          scenario: scenario(
            { held: lockText(from, best.holder.expr), wants: `kn->active (${kind})`, who: `${best.function}()${viaText(best)} → ${best.api}()` },
            { held: `kn->active (${kind})`, wants: lockText(from, best.holder.expr), who: `kernfs → ${cb.function}()${viaText(cb)}` },
          ),
          key: `${best.function}|${from}|${KERNFS}`,
          pathKey: pathKey([best, ...back]),
          chain: chainOf([best, ...back]),
          limitations: d.length ? d : undefined,
        });
      }
      }
    }
    return out;
  },
};

export default rule;
