// Turning analysis evidence into what a reviewer reads: lock names as
// lockdep prints them, traces, and the "Possible unsafe locking scenario".
import type { EdgeEvidence } from "../analysis/graph.js";
import type { Step } from "../analysis/facts.js";
import type { TraceStep } from "../model/review.js";

/** A lock class as lockdep would print it: `&disk->open_mutex`, `(wq_completion)nbd-del`. */
export function lockName(cls: string, expr?: string): string {
  if (cls.startsWith("wq:")) return `(wq_completion)${cls.slice(3)}`;
  if (cls.startsWith("work:")) return `(work_completion)${cls.slice(5)}`;
  if (cls.startsWith("kthread:")) return `(kthread)${cls.slice(8)}`;
  if (cls.startsWith("timer:")) return `(timer)${cls.slice(6)}`;
  if (cls.startsWith("kernfs:")) {
    const [kind, owner] = cls.slice(7).split(":");
    return owner ? `kn->active (${kind} attributes of struct ${owner})` : `kn->active (${kind} attributes)`;
  }
  if (cls.startsWith("notifier:")) return `(${cls.slice(9)} notifier chain).rwsem`;
  if (cls === "gendisk.open_mutex") return "&disk->open_mutex";
  if (expr && /->|\./.test(expr)) return `&${expr}`;
  if (cls.includes(".")) return `&${cls.replace(".", "->")}`;
  return cls;
}

/** Short human name for a lock in sentences: `disk->open_mutex`, `nbd_index_mutex`. */
export function lockText(cls: string, expr?: string): string {
  // In sentences, the code's own expression reads best (`zl->zl_disk->open_mutex`).
  if (expr && /->|\./.test(expr) && !isPseudo(cls)) return expr.replace(/^&/, "");
  const n = lockName(cls, expr);
  return n.startsWith("&") ? n.slice(1) : n;
}

export function isPseudo(cls: string): boolean {
  return /^(wq|work|kthread|timer|kernfs|notifier|alloc):/.test(cls);
}

export function toTrace(steps: Step[]): TraceStep[] {
  return steps.map((s) => ({ file: s.file, line: s.line, function: s.function, note: s.note }));
}

/** Where the holder of an edge got its lock, as a trace step. */
export function holderStep(e: EdgeEvidence): TraceStep {
  const h = e.holder;
  const name = lockText(h.cls, h.expr);
  let note: string;
  switch (h.origin) {
    case "context":
      note = `${name} held on entry: ${h.via ?? "callback context"}`;
      break;
    case "assumed":
      note = `${name} held on entry (${h.via ?? "asserted"})`;
      break;
    case "callee":
      note = `${name} taken by ${h.via}()`;
      break;
    case "guard":
      note = `guard(): ${name} held to the end of the block`;
      break;
    default:
      note = `${name} taken`;
  }
  return { file: e.file, line: h.line, function: e.function, note };
}

/**
 * How the function of an edge holds its lock, as a statement: what the code
 * shows is said, not asked (a reviewer does not ask "can f() be reached with
 * L held?" when f() takes L two lines above). `sure` is false when L is held
 * only on some paths or by a trylock-like call: that is then the question.
 */
export function heldHere(e: EdgeEvidence, lname: string): { text: string; sure: boolean } {
  const h = e.holder;
  const fn = `${e.function}()`;
  const sure = e.allPaths && !e.conditional;
  switch (h.origin) {
    case "context":
      return { text: `${fn} runs with ${lname} held${h.via ? ` (${h.via})` : ""}`, sure };
    case "assumed":
      return { text: `${fn} is called with ${lname} held${h.via ? ` (${h.via})` : ""}`, sure };
    default:
      return { text: sure ? `${fn} holds ${lname} here` : `${fn} holds ${lname} on some paths to this line`, sure };
  }
}

/** Call chain of an edge ("via nbd_dev_remove()"), empty when direct. */
export function viaText(e: EdgeEvidence): string {
  const mids = e.path.slice(1).map((s) => `${s.function}()`);
  return mids.length ? ` (via ${mids.join(" → ")})` : "";
}

/** The function names along an edge, for line-independent identity. */
export function pathKey(edges: EdgeEvidence[]): string {
  return edges.map((e) => [e.function, ...e.path.map((s) => s.function)].join(">")).join("|");
}

const COL = 31;

function row(cpu: number, text: string): string {
  return cpu === 0 ? `  ${text}` : `${" ".repeat(COL)}${text}`;
}

/**
 * lockdep's "Possible unsafe locking scenario" for a two-lock inversion:
 * CPU0 holds A and wants B, CPU1 holds B and wants A. Longer chains are
 * printed like lockdep does, with "Chain exists of:" above the table.
 */
export function scenario(first: { held: string; wants: string; who: string }, second: { held: string; wants: string; who: string }, chain?: string[]): string {
  const lines: string[] = [];
  if (chain && chain.length > 2) {
    lines.push("Chain exists of:", `  ${chain.join(" --> ")}`, "");
  }
  lines.push(" Possible unsafe locking scenario:", "");
  lines.push(`       CPU0                    CPU1`);
  lines.push(`       ----                    ----`);
  lines.push(row(0, `lock(${first.held});`));
  lines.push(row(1, `lock(${second.held});`));
  lines.push(row(1, `lock(${second.wants});`));
  lines.push(row(0, `lock(${first.wants});`));
  lines.push("", " *** DEADLOCK ***", "");
  lines.push(` CPU0: ${first.who}`);
  lines.push(` CPU1: ${second.who}`);
  return lines.join("\n");
}

/** lockdep's scenario for recursive locking (AA). */
export function recursiveScenario(lock: string, who: string): string {
  return [
    " Possible unsafe locking scenario:",
    "",
    "       CPU0",
    "       ----",
    `  lock(${lock});`,
    `  lock(${lock});`,
    "",
    " *** DEADLOCK ***",
    "",
    " May be due to missing lock nesting notation",
    "",
    ` CPU0: ${who}`,
  ].join("\n");
}
