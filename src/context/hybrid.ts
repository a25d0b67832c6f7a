// Hybrid images: what a reviewer does with a patch that does not apply to
// their tree. The definitions the unplaceable hunks touch come from the
// diff (pre- and post-image rebuilt from the hunk lines, partial where the
// hunks show only part of a body); everything else — the other functions,
// the ops tables, the struct definitions — from the tree's version of the
// file. Hunks that did apply and touch the same definitions go with them, so
// a function is never half from the tree and half from the diff.
import type { FileDiff, Hunk } from "../model/patch.js";
import { hunkView } from "./hunks.js";
import type { Placement } from "./placeHunks.js";
import type { SourceView } from "./source.js";
import { definitionSpans } from "./spans.js";

export interface HybridImages {
  pre: SourceView | null;
  post: SourceView | null;
  /** Definitions taken from the diff instead of the tree. */
  fromDiff: string[];
}

function namesOf(fd: FileDiff, hunks: Hunk[]): Set<string> {
  const sub: FileDiff = { ...fd, hunks };
  const out = new Set<string>();
  for (const side of ["old", "new"] as const) {
    const v = hunkView(sub, side);
    if (v) for (const d of definitionSpans(v.text)) out.add(d.name);
  }
  return out;
}

/**
 * Replace the definitions named in `view` inside `base` (rows mapped by
 * `baseMap`, identity when absent) with the view's text, placed where the
 * first of them was (at the end when the tree has none of them).
 */
function splice(path: string, base: string | null, baseMap: number[] | undefined, view: SourceView, context: SourceView["context"]): SourceView {
  const names = new Set(definitionSpans(view.text).map((d) => d.name));
  const rows = base === null ? [] : base.replace(/\n$/, "").split("\n");
  const drop = new Array<boolean>(rows.length).fill(false);
  let at = -1;
  if (base !== null) {
    for (const s of definitionSpans(base)) {
      if (!names.has(s.name)) continue;
      if (at < 0 || s.start < at) at = s.start;
      for (let r = s.start; r <= s.end; r++) drop[r] = true;
    }
  }
  if (at < 0) at = rows.length;
  const text: string[] = [];
  const map: number[] = [];
  const viewRows = view.text.replace(/\n$/, "").split("\n");
  const pushView = () => {
    viewRows.forEach((t, i) => {
      text.push(t);
      map.push(view.lineMap?.[i] ?? 0);
    });
  };
  for (let r = 0; r < rows.length; r++) {
    if (r === at) pushView();
    if (drop[r]) continue;
    text.push(rows[r]);
    map.push(baseMap ? baseMap[r] ?? 0 : r + 1);
  }
  if (at >= rows.length) pushView();
  return { path, text: text.join("\n") + "\n", context, lineMap: map, partialFunctions: view.partialFunctions ?? new Set(), visible: view.visible };
}

/**
 * Images of `fd` when some hunks could not be placed on the tree's `treeText`
 * (null: the file is not in the tree). `placed` is the outcome of placing the
 * hunks on it.
 */
export function hybridImages(fd: FileDiff, treeText: string | null, placed: Placement | null): HybridImages {
  const failed = fd.hunks.filter((_, i) => !placed || placed.hunks[i]?.fit === "failed");
  // Closure: every hunk touching a definition a failed hunk touches.
  const names = namesOf(fd, failed);
  const chosen = new Set<Hunk>(failed);
  for (const h of fd.hunks) {
    if (chosen.has(h)) continue;
    for (const n of namesOf(fd, [h])) if (names.has(n)) chosen.add(h);
  }
  const sub: FileDiff = { ...fd, hunks: fd.hunks.filter((h) => chosen.has(h)) };
  const preView = fd.status === "added" || !fd.oldPath ? null : hunkView(sub, "old");
  const postView = fd.status === "deleted" || !fd.newPath ? null : hunkView(sub, "new");
  const pre = preView && fd.oldPath ? splice(fd.oldPath, treeText, placed?.oldMap, preView, "hybrid") : null;
  const post = postView && fd.newPath ? splice(fd.newPath, placed?.text ?? treeText, placed?.newMap, postView, "hybrid") : null;
  const fromDiff = [...new Set([...definitionSpans(preView?.text ?? ""), ...definitionSpans(postView?.text ?? "")].map((d) => d.name))];
  return { pre, post, fromDiff };
}
