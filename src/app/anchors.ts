// Where a finding can be shown on a pull request, decided from the diff
// hunks before anything is sent. GitHub rejects a review whose comment
// lines are not in the diff (422 "Pull request review thread line must be
// part of the diff"), and the GraphQL route silently accepts such anchors
// and never renders them, so the set of commentable lines is computed here:
// RIGHT = added and context lines of the hunks, in head numbering.
//   - on a commentable line of a file in the PR  → inline (`line`, `side: RIGHT`)
//   - in a file of the PR, but outside its hunks → file-level (`subject_type: file`)
//   - anywhere else (a driver file the PR did not touch) → the review body
import type { FileDiff } from "../model/patch.js";
import type { Finding } from "../model/review.js";
import { SEVERITY_RANK } from "../model/severity.js";

export interface Commentable {
  /** path → lines a RIGHT-side comment may anchor on */
  right: Map<string, Set<number>>;
  /** Paths of the PR (head names), with or without a diff. */
  files: Set<string>;
}

/** The RIGHT-side lines of one file's hunks (added and context lines). */
export function rightLines(fd: FileDiff): Set<number> {
  const s = new Set<number>();
  for (const h of fd.hunks) for (const c of h.changes) if (c.kind !== "del" && c.newLine !== undefined && c.newLine > 0) s.add(c.newLine);
  return s;
}

export function commentable(diffs: FileDiff[], prPaths: Iterable<string>): Commentable {
  const right = new Map<string, Set<number>>();
  for (const fd of diffs) if (fd.newPath && !fd.binary) right.set(fd.newPath, rightLines(fd));
  return { right, files: new Set(prPaths) };
}

export type Placement = "inline" | "file" | "body";

export function placementOf(f: Finding, c: Commentable): Placement {
  if (c.right.get(f.file)?.has(f.line)) return "inline";
  if (c.files.has(f.file)) return "file";
  return "body";
}

const CONFIDENCE_RANK = { high: 3, medium: 2, low: 1 } as const;

/** Most important first: severity, then confidence, then place (stable output). */
export function rank(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    CONFIDENCE_RANK[b.confidence ?? "medium"] - CONFIDENCE_RANK[a.confidence ?? "medium"] ||
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

export interface Placed<T extends { finding: Finding }> {
  inline: T[];
  file: T[];
  body: T[];
}

/**
 * Split ranked findings into inline comments (at most `maxComments`),
 * file-level comments (at most `maxFileComments`, within the same total) and
 * the review body (everything else, including what did not fit).
 */
export function place<T extends { finding: Finding }>(items: T[], c: Commentable, maxComments: number, maxFileComments: number): Placed<T> {
  const out: Placed<T> = { inline: [], file: [], body: [] };
  const sorted = [...items].sort((x, y) => rank(x.finding, y.finding));
  for (const it of sorted) {
    const p = placementOf(it.finding, c);
    const used = out.inline.length + out.file.length;
    if (p === "inline" && used < maxComments) out.inline.push(it);
    else if ((p === "file" || p === "inline") && used < maxComments && out.file.length < maxFileComments && c.files.has(it.finding.file)) out.file.push(it);
    else out.body.push(it);
  }
  return out;
}
