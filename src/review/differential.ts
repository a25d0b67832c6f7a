// Differential review: every rule runs on the pre-image and the post-image;
// a finding is `introduced` (only after the patch, or made worse by it),
// `fixed` (only before) or `existing` (both). Identity never uses line
// numbers: rule + key (function, lock classes, what is waited for), refined
// by the call path when both sides have several candidates. Introduced
// findings are anchored on a line the patch adds where the chain has one.
import { createHash } from "node:crypto";
import type { FileDiff } from "../model/patch.js";
import type { ContextKind, Finding, FindingStatus } from "../model/review.js";
import { SEVERITY_RANK } from "../model/severity.js";
import type { RuleFinding } from "./rule.js";

export interface ChangedLines {
  /** file → added lines (post numbering) */
  added: Map<string, Set<number>>;
  /** file → deleted lines (pre numbering) */
  deleted: Map<string, Set<number>>;
}

export function changedLines(files: FileDiff[]): ChangedLines {
  const added = new Map<string, Set<number>>();
  const deleted = new Map<string, Set<number>>();
  for (const fd of files) {
    if (fd.newPath) {
      const s = new Set<number>();
      for (const h of fd.hunks) for (const c of h.changes) if (c.kind === "add" && c.newLine) s.add(c.newLine);
      added.set(fd.newPath, s);
    }
    if (fd.oldPath) {
      const s = new Set<number>();
      for (const h of fd.hunks) for (const c of h.changes) if (c.kind === "del" && c.oldLine) s.add(c.oldLine);
      deleted.set(fd.oldPath, s);
    }
  }
  return { added, deleted };
}

export function fingerprint(ruleId: string, key: string): string {
  return createHash("sha1").update(`${ruleId}\0${key}`).digest("hex").slice(0, 16);
}

/** Move the anchor onto a changed line of the chain when the chain has one. */
function anchor(f: RuleFinding, lines: Map<string, Set<number>>): { file: string; line: number; function: string } {
  const isChanged = (file: string, line: number) => lines.get(file)?.has(line) ?? false;
  if (isChanged(f.file, f.line)) return { file: f.file, line: f.line, function: f.function };
  const fnAt = (file: string, line: number) => f.trace.find((t) => t.file === file && t.line === line)?.function || f.function;
  for (const c of f.chain) if (isChanged(c.file, c.line)) return { file: c.file, line: c.line, function: fnAt(c.file, c.line) };
  // Nearest chain element to a change, in a changed file.
  let best: { file: string; line: number; d: number } | null = null;
  for (const c of f.chain) {
    const set = lines.get(c.file);
    if (!set?.size) continue;
    for (const l of set) {
      const d = Math.abs(l - c.line);
      if (!best || d < best.d) best = { file: c.file, line: c.line, d };
    }
  }
  if (best && best.d <= 30) return { file: best.file, line: best.line, function: fnAt(best.file, best.line) };
  return { file: f.file, line: f.line, function: f.function };
}

/** Does a finding touch the patch at all (for `existing` findings in tree mode)? */
function touches(f: RuleFinding, changed: ChangedLines): boolean {
  for (const c of f.chain) {
    const set = changed.added.get(c.file) ?? changed.deleted.get(c.file);
    if (!set) continue;
    for (const l of set) if (Math.abs(l - c.line) <= 30) return true;
  }
  return false;
}

export interface DiffResult {
  finding: Finding;
  /** The rule finding it came from (for renderers that need more, e.g. the question). */
  source: RuleFinding;
}

function toFinding(f: RuleFinding, status: FindingStatus, context: ContextKind, at: { file: string; line: number; function: string }, references: Finding["references"], fix: string): Finding {
  const message = status === "fixed" ? `Fixed by this patch: ${f.message}` : f.message;
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    status,
    file: at.file,
    line: at.line,
    function: at.function,
    context,
    message,
    trace: f.trace,
    references,
    confidence: f.confidence,
    fingerprint: fingerprint(f.ruleId, f.key),
    ...(f.scenario ? { scenario: f.scenario } : {}),
    fix: f.fix ?? fix,
    ...(f.limitations?.length ? { limitations: f.limitations } : {}),
  };
}

export function diffFindings(
  pre: RuleFinding[],
  post: RuleFinding[],
  changed: ChangedLines,
  /** The context a finding anchored in `file` was seen with (per-file rung, or the patch's kind). */
  contextOf: (file: string) => ContextKind,
  meta: (ruleId: string) => { references: Finding["references"]; fix: string },
): DiffResult[] {
  const out: DiffResult[] = [];
  const used = new Set<RuleFinding>();
  const take = (f: RuleFinding, exact: boolean) => {
    const cands = pre.filter((p) => !used.has(p) && p.ruleId === f.ruleId && p.key === f.key && (!exact || p.pathKey === f.pathKey));
    const m = cands[0];
    if (m) used.add(m);
    return m;
  };
  const matched = new Map<RuleFinding, RuleFinding | undefined>();
  for (const f of post) matched.set(f, take(f, true));
  for (const f of post) if (!matched.get(f)) matched.set(f, take(f, false));
  for (const f of post) {
    const m = matched.get(f);
    const { references, fix } = meta(f.ruleId);
    // A finding the patch makes worse (note → error: the other half of a cycle) is introduced.
    const status: FindingStatus = !m || SEVERITY_RANK[f.severity] > SEVERITY_RANK[m.severity] ? "introduced" : "existing";
    // …and one it makes less severe (error → note: one half of a cycle removed) is fixed.
    if (m && SEVERITY_RANK[f.severity] < SEVERITY_RANK[m.severity]) {
      const pm = meta(m.ruleId);
      const at = anchor(m, changed.deleted);
      out.push({ finding: toFinding(m, "fixed", contextOf(at.file), at, pm.references, pm.fix), source: m });
    }
    const at = anchor(f, changed.added);
    if (status === "existing" && contextOf(at.file) !== "hunks" && !touches(f, changed)) continue;
    out.push({ finding: toFinding(f, status, contextOf(at.file), at, references, fix), source: f });
  }
  for (const p of pre) {
    if (used.has(p)) continue;
    const { references, fix } = meta(p.ruleId);
    const at = anchor(p, changed.deleted);
    out.push({ finding: toFinding(p, "fixed", contextOf(at.file), at, references, fix), source: p });
  }
  return out;
}
