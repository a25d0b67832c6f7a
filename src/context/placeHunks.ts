// Place a file diff's hunks on a file's text, one hunk at a time, the way
// patch(1) does: at the stated line, else at the nearest offset, else (when
// allowed) with fuzz — context lines that differ, whitespace ignored. The
// matching itself is jsdiff's applyPatch (a maintained applier with offsets
// and a Levenshtein fuzz factor); what this module adds is per-hunk
// outcomes: a hunk that fits nowhere is skipped, not fatal, and every placed
// hunk says where it landed, so the images can be numbered the way the
// patch numbers them (findings are anchored on the patch's own lines).
import { applyPatch } from "diff";
import type { FileDiff, Hunk } from "../model/patch.js";

export type HunkFit = "exact" | "offset" | "fuzz" | "failed";

export interface HunkPlacement {
  fit: HunkFit;
  /** 0-based index in the original text where the hunk's old side starts (placed hunks). */
  oldAt?: number;
  /** 0-based index in the result where the hunk's new side starts (placed hunks). */
  newAt?: number;
}

export interface Placement {
  /** The text with every placed hunk applied (failed hunks left out); null for a deletion. */
  text: string | null;
  hunks: HunkPlacement[];
  /** Row of the original text → line in the patch's old numbering (absent: identity). */
  oldMap?: number[];
  /** Row of the result → line in the patch's new numbering (absent: identity). */
  newMap?: number[];
}

export interface PlaceOptions {
  /** Allow context mismatches (patch's fuzz), whitespace-insensitive: 0 = exact context only. */
  fuzz: number;
}

/** Lines to fuzz at most: patch(1)'s default fuzz is 2 (of 3 context lines). */
export const DEFAULT_FUZZ = 2;

function split(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === "") return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith("\n");
  return { lines: (finalNewline ? text.slice(0, -1) : text).split("\n"), finalNewline };
}

/** Whitespace-insensitive line comparison; a file's lines are compared many times while a hunk is fitted. */
function looseCompare(): (n: number, line: string | undefined, op: string, content: string) => boolean {
  const memo = new Map<string, string>();
  const squash = (s: string) => {
    let v = memo.get(s);
    if (v === undefined) memo.set(s, (v = s.replace(/\s+/g, " ").trim()));
    return v;
  };
  return (_n, line, _op, content) => line !== undefined && (line === content || squash(line) === squash(content));
}

function jsdiffLines(h: Hunk): string[] {
  return h.changes.map((c) => (c.kind === "add" ? "+" : c.kind === "del" ? "-" : " ") + c.content);
}

/** Index in the hunk's lines of its first change, counted on the old side (leading context). */
function leadingContext(h: Hunk): number {
  let n = 0;
  for (const c of h.changes) {
    if (c.kind !== "normal") break;
    n++;
  }
  return n;
}

/** The hunk without up to `lead`/`trail` context lines at its ends (patch's fuzz), or null when that changes nothing. */
function trimContext(h: Hunk, lead: number, trail: number): Hunk | null {
  let a = 0;
  while (a < lead && h.changes[a]?.kind === "normal") a++;
  let b = 0;
  while (b < trail && h.changes[h.changes.length - 1 - b]?.kind === "normal" && h.changes.length - 1 - b > a) b++;
  if (!a && !b) return null;
  const changes = h.changes.slice(a, h.changes.length - b);
  // Some context must stay: a bare insertion would be placed by its line number alone.
  if (!changes.some((c) => c.kind === "normal") && !changes.some((c) => c.kind === "del")) return null;
  return { ...h, changes, oldStart: h.oldStart + a, newStart: h.newStart + a, oldLines: h.oldLines - a - b, newLines: h.newLines - a - b };
}

const expectedIndex = (start: number, count: number) => (count === 0 ? start : start - 1);

/**
 * Try one hunk on `lines` from `from` on. Returns the replaced region, or
 * null when it fits nowhere at this fuzz.
 */
function fitHunk(lines: string[], from: number, expected: number, h: Hunk, fuzz: number, loose = false): { at: number; end: number; replacement: string[] } | null {
  const suffix = lines.slice(from);
  const rel = Math.max(0, expected - from);
  const patch = {
    oldFileName: "a", newFileName: "b", oldHeader: "", newHeader: "",
    // jsdiff numbers an empty old range by the line it goes before (git: the line after which).
    hunks: [{ oldStart: rel + 1, oldLines: h.oldLines, newStart: rel + 1, newLines: h.newLines, lines: jsdiffLines(h) }],
  };
  // An empty suffix splits to [""]; jsdiff needs at least that line to place an insertion.
  const source = suffix.join("\n");
  const out = applyPatch(source, patch, fuzz || loose ? { fuzzFactor: fuzz, compareLine: looseCompare(), autoConvertLineEndings: false } : { autoConvertLineEndings: false });
  if (out === false) return null;
  const after = suffix.length ? out.split("\n") : out === "" ? [] : out.split("\n");
  // Where it landed: the first and last rows that differ.
  let d = 0;
  const n = Math.min(suffix.length, after.length);
  while (d < n && suffix[d] === after[d]) d++;
  let e = 0;
  while (e < n - d && suffix[suffix.length - 1 - e] === after[after.length - 1 - e]) e++;
  const changedOld = suffix.length - e;
  if (d === suffix.length && d === after.length) {
    // No textual change (a whitespace-only hunk matched loosely): it sits where it was expected.
    return { at: from + rel, end: from + rel, replacement: [] };
  }
  const lead = Math.min(leadingContext(h), d);
  return { at: from + d - lead, end: from + changedOld, replacement: [...suffix.slice(d - lead, d), ...after.slice(d, after.length - e)] };
}

/**
 * Place every hunk of `fd` on `original` (null: the file does not exist).
 * Hunks must land in order (each after the previous one), as patch requires.
 */
export function placeHunks(original: string | null, fd: FileDiff, opts: PlaceOptions): Placement {
  if (fd.status === "deleted") return { text: null, hunks: fd.hunks.map(() => ({ fit: "exact" as const, oldAt: 0, newAt: 0 })) };
  const { lines, finalNewline: hadFinal } = split(original ?? "");
  let finalNewline = original === null ? true : hadFinal;
  const out: string[] = [];
  const placements: HunkPlacement[] = [];
  let from = 0; // next unconsumed row of `lines`
  let carry = 0; // offset of the last placed hunk (patch carries it to the next)
  for (const h of fd.hunks) {
    const stated = expectedIndex(h.oldStart, h.oldLines);
    const expected = Math.max(from, stated + carry);
    let fit: ReturnType<typeof fitHunk> = null;
    let kind: HunkFit = "failed";
    let back = 0; // leading context lines dropped by fuzz: the hunk's numbering starts that much earlier
    if (lines.length === 0 && h.oldLines === 0) {
      fit = { at: 0, end: 0, replacement: h.changes.filter((c) => c.kind === "add").map((c) => c.content) };
      kind = "exact";
    } else {
      fit = fitHunk(lines, from, expected, h, 0);
      if (fit) kind = fit.at === stated ? "exact" : "offset";
      else if (opts.fuzz > 0) {
        // jsdiff's fuzz tolerates differing context away from the change;
        // patch(1)'s drops context lines at the hunk's ends (also those next
        // to the change, which jsdiff insists on): try both.
        fit = fitHunk(lines, from, expected, h, opts.fuzz);
        for (let f = 1; !fit && f <= opts.fuzz; f++) {
          for (const [l, t] of [[f, 0], [0, f], [f, f]] as const) {
            const trimmed = trimContext(h, l, t);
            if (trimmed) fit = fitHunk(lines, from, expected + (trimmed.oldStart - h.oldStart), trimmed, 0, true);
            if (fit) {
              back = trimmed!.oldStart - h.oldStart;
              break;
            }
          }
        }
        if (fit) kind = "fuzz";
      }
    }
    if (!fit) {
      placements.push({ fit: "failed" });
      continue;
    }
    for (let i = from; i < fit.at; i++) out.push(lines[i]);
    placements.push({ fit: kind, oldAt: fit.at - back, newAt: out.length - back });
    out.push(...fit.replacement);
    from = fit.end;
    carry = fit.at - stated;
    if (h.noNewlineNew) finalNewline = false;
    else if (h.noNewlineOld) finalNewline = true;
  }
  for (let i = from; i < lines.length; i++) out.push(lines[i]);
  const text = out.join("\n") + (finalNewline && out.length ? "\n" : "");
  return { text, hunks: placements, ...lineMaps(fd, placements, lines.length, out.length) };
}

/**
 * Number the original and the result the way the patch does: each row takes
 * the offset of the placed hunk at or before it (the first placed hunk's
 * before any). Identity maps are left out.
 */
function lineMaps(fd: FileDiff, placed: HunkPlacement[], oldRows: number, newRows: number): { oldMap?: number[]; newMap?: number[] } {
  const old: { at: number; off: number }[] = [];
  const neu: { at: number; off: number }[] = [];
  fd.hunks.forEach((h, i) => {
    const p = placed[i];
    if (p.oldAt === undefined || p.newAt === undefined) return;
    old.push({ at: p.oldAt, off: p.oldAt - expectedIndex(h.oldStart, h.oldLines) });
    neu.push({ at: p.newAt, off: p.newAt - expectedIndex(h.newStart, h.newLines) });
  });
  const build = (segs: { at: number; off: number }[], rows: number): number[] | undefined => {
    if (!segs.length || segs.every((s) => s.off === 0)) return undefined;
    const map = new Array<number>(rows);
    let k = 0;
    for (let r = 0; r < rows; r++) {
      while (k + 1 < segs.length && segs[k + 1].at <= r) k++;
      map[r] = Math.max(0, r + 1 - segs[k].off);
    }
    return map;
  };
  const oldMap = build(old, oldRows);
  const newMap = build(neu, newRows);
  return { ...(oldMap ? { oldMap } : {}), ...(newMap ? { newMap } : {}) };
}

export function allPlaced(p: Placement): boolean {
  return p.hunks.every((h) => h.fit !== "failed");
}

/** Signed offsets (lines) of the hunks that were placed away from their stated line. */
export function offsetsOf(fd: FileDiff, p: Placement): number[] {
  const out: number[] = [];
  fd.hunks.forEach((h, i) => {
    const at = p.hunks[i]?.oldAt;
    if (at !== undefined && p.hunks[i].fit !== "exact") out.push(at - expectedIndex(h.oldStart, h.oldLines));
  });
  return out;
}
