// Apply a file diff to a file's text in memory, like `patch`: each hunk is
// looked for at its line number, then at growing offsets (the offset found
// carries to later hunks); context must match exactly, or, failing that,
// ignoring whitespace differences. A hunk that matches nowhere is an error.
import type { FileDiff, Hunk } from "../model/patch.js";

export type ApplyResult = { ok: true; text: string | null; offsets: number[] } | { ok: false; error: string };

const MAX_OFFSET = 2000;

function split(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === "") return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith("\n");
  const lines = (finalNewline ? text.slice(0, -1) : text).split("\n");
  return { lines, finalNewline };
}

function oldSide(h: Hunk): string[] {
  return h.changes.filter((c) => c.kind !== "add").map((c) => c.content);
}

function newSide(h: Hunk): string[] {
  return h.changes.filter((c) => c.kind !== "del").map((c) => c.content);
}

function matchesAt(lines: string[], at: number, want: string[], loose: boolean): boolean {
  if (at < 0 || at + want.length > lines.length) return false;
  for (let i = 0; i < want.length; i++) {
    const a = lines[at + i];
    const b = want[i];
    if (a === b) continue;
    if (loose && a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim()) continue;
    return false;
  }
  return true;
}

function locate(lines: string[], expected: number, want: string[]): number {
  for (const loose of [false, true]) {
    for (let d = 0; d <= MAX_OFFSET; d++) {
      if (matchesAt(lines, expected + d, want, loose)) return expected + d;
      if (d && matchesAt(lines, expected - d, want, loose)) return expected - d;
      if (expected + d > lines.length && expected - d < 0) break;
    }
  }
  return -1;
}

export function applyFileDiff(original: string | null, fd: FileDiff): ApplyResult {
  const name = fd.newPath ?? fd.oldPath ?? "?";
  if (fd.binary) return { ok: false, error: `${name}: binary diff cannot be applied` };
  if (fd.status === "deleted") return { ok: true, text: null, offsets: [] };
  if (original === null && fd.status !== "added") return { ok: false, error: `${fd.oldPath}: no such file` };
  const { lines, finalNewline: hadFinal } = split(original ?? "");
  let finalNewline = original === null ? true : hadFinal;
  const out = [...lines];
  let shift = 0; // line delta introduced by previous hunks
  let carry = 0; // offset found for previous hunks
  const offsets: number[] = [];
  for (const [i, h] of fd.hunks.entries()) {
    const want = oldSide(h);
    const expected = Math.max(0, (h.oldLines === 0 ? h.oldStart : h.oldStart - 1) + shift + carry);
    const at = want.length === 0 && (original === null || out.length === 0) ? 0 : locate(out, expected, want);
    if (at < 0) {
      return { ok: false, error: `${name}: hunk #${i + 1} (${h.header.trim()}) does not apply` };
    }
    carry = at - ((h.oldLines === 0 ? h.oldStart : h.oldStart - 1) + shift);
    offsets.push(carry);
    const repl = newSide(h);
    out.splice(at, want.length, ...repl);
    shift += repl.length - want.length;
    if (h.noNewlineNew) finalNewline = false;
    else if (h.noNewlineOld) finalNewline = true;
  }
  return { ok: true, text: out.join("\n") + (finalNewline && out.length ? "\n" : ""), offsets };
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
