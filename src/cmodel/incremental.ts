// Building the model of a file again after a small change: the pre- and
// post-image of a patch, or the versions of one file across the commits of
// a series, differ in a few lines. Two things carry over from the previous
// build of the same path:
//
// - the syntax tree: tree-sitter re-parses only around the edit when given
//   the old tree, edited to match (`tree.edit` + `parse(text, oldTree)`);
//   the result is the tree a fresh parse gives (loop.c: ~5 ms against ~18).
// - the models of the functions whose text did not change: a function's
//   model depends only on its text, its annotations and the file's line
//   numbering, so an unchanged function is taken over, its lines shifted by
//   how far it moved. The change itself and whatever tree-sitter could not
//   parse cleanly are always built afresh.
//
// Only whole-file views qualify (no lineMap, no partial functions): a view
// assembled from hunks maps its rows to lines piece by piece.
import { Edit, type Tree } from "web-tree-sitter";
import type { SourceView } from "../context/source.js";
import type { CFunction } from "./ir.js";

/** What one build leaves for the next build of the same path. */
export interface PriorBuild {
  /** The prepared text the tree was parsed from. */
  text: string;
  tree: Tree;
  /** Function key (text and annotations, see functionKey) → its model and its start row. */
  functions: Map<string, { fn: CFunction; row: number }>;
}

/** Can a build of this view use (and leave) a prior build? */
export function reusableView(view: SourceView): boolean {
  return !view.lineMap && !view.partialFunctions?.size;
}

/** Row and column (UTF-16 code units, as web-tree-sitter counts) of an index of `s`. */
function pointAt(s: string, index: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let k = s.indexOf("\n"); k !== -1 && k < index; k = s.indexOf("\n", k + 1)) {
    row++;
    lineStart = k + 1;
  }
  return { row, column: index - lineStart };
}

/** The one edit that turns `before` into `after`: their common prefix and suffix stay. */
export function textEdit(before: string, after: string): Edit {
  const n = Math.min(before.length, after.length);
  let start = 0;
  while (start < n && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < n - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  return new Edit({
    startIndex: start,
    oldEndIndex: before.length - end,
    newEndIndex: after.length - end,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, before.length - end),
    newEndPosition: pointAt(after, after.length - end),
  });
}

/**
 * A copy of a function model with every line number moved by `delta`. Line
 * numbers in the IR are the fields named `line` and `endLine` (cmodel/ir.ts);
 * test/engine/incremental.test.ts compares taken-over models with fresh ones.
 */
export function shiftLines<T>(value: T, delta: number): T {
  if (delta === 0) return value;
  const shift = (v: unknown, key: string): unknown => {
    if (typeof v === "number") return key === "line" || key === "endLine" ? (v === 0 ? 0 : v + delta) : v;
    if (Array.isArray(v)) return v.map((x) => shift(x, ""));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = shift(x, k);
      return out;
    }
    return v;
  };
  return shift(value, "") as T;
}

/** Key of a function for taking its model over: its text and its annotations. */
export function functionKey(text: string, annotations: readonly { name: string; arg?: string }[]): string {
  return annotations.length ? `${text}\0${JSON.stringify(annotations)}` : text;
}
