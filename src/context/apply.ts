// Apply a file diff to a file's text in memory, all or nothing (the GitHub
// App's head check), and reverse a diff (`patch -R`). Hunk placement itself
// is placeHunks.ts.
import type { FileDiff } from "../model/patch.js";
import { offsetsOf, placeHunks } from "./placeHunks.js";

export type ApplyResult = { ok: true; text: string | null; offsets: number[] } | { ok: false; error: string };

/** Apply every hunk with exact context (offsets allowed, as `git apply` does), or fail naming the first hunk that fits nowhere. */
export function applyFileDiff(original: string | null, fd: FileDiff): ApplyResult {
  const name = fd.newPath ?? fd.oldPath ?? "?";
  if (fd.binary) return { ok: false, error: `${name}: binary diff cannot be applied` };
  if (fd.status === "deleted") return { ok: true, text: null, offsets: [] };
  if (original === null && fd.status !== "added") return { ok: false, error: `${fd.oldPath}: not in the tree` };
  const p = placeHunks(original, fd, { fuzz: 0 });
  const bad = p.hunks.findIndex((h) => h.fit === "failed");
  if (bad >= 0) return { ok: false, error: `${name}: hunk #${bad + 1} (${fd.hunks[bad].header.trim()}) does not apply` };
  return { ok: true, text: p.text, offsets: offsetsOf(fd, p) };
}

/**
 * The diff that undoes `fd`: old and new sides swapped. Applying it to a
 * file that already contains the change gives the file before the change
 * (`patch -R`).
 */
export function reverseFileDiff(fd: FileDiff): FileDiff {
  const status = fd.status === "added" ? "deleted" : fd.status === "deleted" ? "added" : fd.status;
  return {
    ...fd,
    oldPath: fd.newPath,
    newPath: fd.oldPath,
    status,
    additions: fd.deletions,
    deletions: fd.additions,
    hunks: fd.hunks.map((h) => ({
      ...h,
      oldStart: h.newStart,
      oldLines: h.newLines,
      newStart: h.oldStart,
      newLines: h.oldLines,
      noNewlineOld: h.noNewlineNew,
      noNewlineNew: h.noNewlineOld,
      changes: h.changes.map((c) => {
        const kind = c.kind === "add" ? "del" : c.kind === "del" ? "add" : "normal";
        const { oldLine, newLine, ...rest } = c;
        return { ...rest, kind, ...(newLine !== undefined ? { oldLine: newLine } : {}), ...(oldLine !== undefined ? { newLine: oldLine } : {}) };
      }),
    })),
  };
}
