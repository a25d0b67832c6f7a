// Unified diffs → FileDiff[] with exact old/new line numbers.
//
// parse-diff does the hunk parsing (line numbers per change), but it trusts
// its input: it has no binary flag, ignores rename/copy/similarity headers,
// emits an extra change for "\ No newline at end of file" (STACK.md P15), and
// when a hunk's line counts do not match its body it quietly swallows the next
// file's header or drops lines. A mangled patch (wrapped by a mail client,
// hand-edited counts) must be reported, not reviewed as something else, so a
// scan of our own walks the diff first: it finds where the diff starts and
// ends inside a mail, splits it into per-file blocks, reads git's extended
// headers and checks every hunk's line counts. parse-diff then runs on each
// validated block, and its result is checked against the scan.
import parseDiff from "parse-diff";
import type { FileDiff, FileStatus, Hunk, LineChange } from "../model/patch.js";

/** A diff that cannot be trusted; the message names the hunk/file and the line. */
export class DiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiffError";
  }
}

interface HunkSpan {
  header: string;
  headerIdx: number;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  section: string;
  /** Indexes (into the input lines) of the change lines, in order, without "\" markers. */
  changeIdx: number[];
  noNewlineOld?: boolean;
  noNewlineNew?: boolean;
}

interface Block {
  start: number;
  end: number;
  git: boolean;
  gitOld?: string;
  gitNew?: string;
  minus?: string;
  plus?: string;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
  newFile?: boolean;
  deletedFile?: boolean;
  oldMode?: string;
  newMode?: string;
  similarity?: number;
  /** Abbreviated blob ids of git's `index <old>..<new>` line. */
  oldBlob?: string;
  newBlob?: string;
  binary?: boolean;
  hunks: HunkSpan[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;
/**
 * Largest line number or line count a hunk header may carry. git keeps them
 * in an `int` (apply.c), and no source file comes near 2^31 lines; a bigger
 * number is a mangled header, and past 2^53 it no longer survives JSON.
 */
export const MAX_HUNK_NUMBER = 2 ** 31 - 1;
const PLAIN_DIFF_CMD = /^diff(?: -\S+)* (\S+) (\S+)$/;
const BASE85_LINE = /^[A-Za-z][0-9A-Za-z!#$%&()*+;<=>?@^_`{|}~-]*$/;

function clip(s: string, n = 60): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

/** Undo git's C-style quoting of paths with special characters: "a/t\303\251st". */
function unquote(p: string): string {
  if (!(p.startsWith('"') && p.endsWith('"') && p.length >= 2)) return p;
  const bytes: number[] = [];
  const s = p.slice(1, -1);
  const esc: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, "\\": 92 };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && i + 1 < s.length) {
      const n = s[i + 1]!;
      if (/[0-7]/.test(n)) {
        bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
        i += 3;
        continue;
      }
      bytes.push(esc[n] ?? n.charCodeAt(0));
      i++;
      continue;
    }
    for (const b of Buffer.from(c, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Path from a "--- a/x" / "+++ b/x" line (timestamps of plain diff(1) output removed). */
function headerPath(rest: string): string {
  let p = rest;
  const tab = p.indexOf("\t");
  if (tab >= 0) p = p.slice(0, tab);
  p = p.replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4}$/, "");
  return unquote(p.trim());
}

/** Split "diff --git a/x b/y" into its two paths. */
function gitHeaderPaths(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*")\s+(.*)$/.exec(rest);
    if (!m) return undefined;
    return [unquote(m[1]!), unquote(m[2]!.trim())];
  }
  if (rest.endsWith('"')) {
    const q = rest.lastIndexOf(' "');
    if (q < 0) return undefined;
    return [rest.slice(0, q), unquote(rest.slice(q + 1))];
  }
  // Unquoted: both names are usually the same path, so split in the middle.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === " ") {
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (a.replace(/^[a-z]\//, "") === b.replace(/^[a-z]\//, "")) return [a, b];
  }
  const sp = rest.indexOf(" b/");
  if (sp >= 0) return [rest.slice(0, sp), rest.slice(sp + 1)];
  const parts = rest.split(" ");
  if (parts.length === 2) return [parts[0]!, parts[1]!];
  return undefined;
}

/** Where a diff starts in `lines` (from `from`), or -1. */
export function findDiffStart(lines: string[], from = 0): number {
  for (let i = from; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith("diff --git ") || l.startsWith("diff --cc ")) return i;
    if (l.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ") && lines[i + 2]?.startsWith("@@ ")) {
      // Include a preceding "diff -u x y" / "Index:" line.
      if (i > 0 && (PLAIN_DIFF_CMD.test(lines[i - 1]!) || lines[i - 1]!.startsWith("Index: "))) return i - 1;
      if (i > 1 && /^={10,}$/.test(lines[i - 1]!) && lines[i - 2]!.startsWith("Index: ")) return i - 2;
      return i;
    }
  }
  return -1;
}

interface ScanResult {
  blocks: Block[];
  /** Index of the first line after the diff (the "-- " signature or trailing text). */
  end: number;
}

/** Walk the diff, validating hunk line counts; see the top of this file. */
function scanDiff(lines: string[], start: number, lineNo: (i: number) => number): ScanResult {
  const blocks: Block[] = [];
  // (Casts keep TypeScript from narrowing these to `null`: the helpers below assign them.)
  let cur = null as Block | null;
  let hunk = null as HunkSpan | null;
  let remOld = 0;
  let remNew = 0;
  let lastKind = "";
  let i = start;
  // Last line that belonged to the diff: trailing blank lines after it do not,
  // but a blank line *inside* a hunk is a context line whose space was stripped.
  let lastUsed = start;

  const fileName = (b: Block | null) =>
    b ? (b.plus && b.plus !== "/dev/null" ? b.plus : b.minus ?? b.gitNew ?? b.gitOld ?? "?").replace(/^[ab]\//, "") : "?";
  const where = (idx: number) => `line ${lineNo(idx)}`;
  const newBlock = (idx: number, git: boolean): Block => {
    if (cur) cur.end = idx;
    cur = { start: idx, end: idx, git, hunks: [] };
    blocks.push(cur);
    hunk = null;
    return cur;
  };
  const markNoNewline = () => {
    // A marker straight after the "@@" line follows no line: it says nothing
    // (git apply skips it too). parse-diff crashes on it, so the text handed
    // to parse-diff never contains markers (see parseDiffLines).
    if (!hunk || lastKind === "") return;
    if (lastKind === "-") hunk.noNewlineOld = true;
    else if (lastKind === "+") hunk.noNewlineNew = true;
    else {
      hunk.noNewlineOld = true;
      hunk.noNewlineNew = true;
    }
  };

  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (remOld > 0 || remNew > 0) {
      const h = hunk!;
      if (line.startsWith("\\")) {
        markNoNewline();
        continue;
      }
      if (line.startsWith("@@ ") || line.startsWith("diff --git ")) {
        throw new DiffError(
          `malformed hunk "${h.header}" in ${fileName(cur)}: it ends early at ${where(i)} ` +
            `(its header promises ${remOld} more old and ${remNew} more new lines)`,
        );
      }
      const c = line.charCodeAt(0);
      if (line === "" || c === 0x20) {
        // "" is a context line whose lone space a mail client stripped; git apply accepts it too.
        remOld--;
        remNew--;
        lastKind = " ";
      } else if (c === 0x2d) {
        remOld--;
        lastKind = "-";
      } else if (c === 0x2b) {
        remNew--;
        lastKind = "+";
      } else {
        throw new DiffError(
          `malformed hunk "${h.header}" in ${fileName(cur)}: ${where(i)} is not a diff line ("${clip(line)}"; ` +
            `the hunk header promises ${remOld} more old and ${remNew} more new lines)`,
        );
      }
      if (remOld < 0 || remNew < 0) {
        throw new DiffError(
          `malformed hunk "${h.header}" in ${fileName(cur)}: more ${remOld < 0 ? "old" : "new"} lines than its header says (${where(i)}: "${clip(line)}")`,
        );
      }
      h.changeIdx.push(i);
      lastUsed = i;
      continue;
    }

    // Between hunks / in file headers.
    if (line.startsWith("\\")) {
      if (hunk) {
        markNoNewline();
        { lastUsed = i; continue; }
      }
      break;
    }
    if (line.startsWith("diff --git ")) {
      const b = newBlock(i, true);
      const paths = gitHeaderPaths(line.slice(11));
      if (paths) [b.gitOld, b.gitNew] = paths;
      { lastUsed = i; continue; }
    }
    if (line.startsWith("diff --cc ") || line.startsWith("diff --combined ")) {
      throw new DiffError(`combined diff of a merge commit (${where(i)}) is not supported; review the merge's parents instead`);
    }
    if (line.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ")) {
      if (!cur || cur.hunks.length || cur.minus !== undefined || !cur.git) {
        // A plain (non-git) diff: every ---/+++ pair starts a file, unless an
        // "Index:" or "diff -u" line just started one.
        if (!(cur && !cur.git && cur.minus === undefined && !cur.hunks.length)) newBlock(i, false);
      }
      cur!.minus = headerPath(line.slice(4));
      cur!.plus = headerPath(lines[i + 1]!.slice(4));
      i++;
      { lastUsed = i; continue; }
    }
    if (line.startsWith("@@ ")) {
      const m = HUNK_HEADER.exec(line);
      if (!m) throw new DiffError(`malformed hunk header at ${where(i)}: "${clip(line)}"`);
      if (!cur || (cur.minus === undefined && !cur.git)) throw new DiffError(`hunk without a file header at ${where(i)}`);
      if (cur.git && cur.minus === undefined) {
        throw new DiffError(`hunk without "---"/"+++" lines in ${fileName(cur)} at ${where(i)}`);
      }
      const header = line.replace(/ @@.*$/, " @@");
      const num = (digits: string | undefined, what: string): number => {
        if (digits === undefined) return 1;
        const n = digits.length > 10 ? Infinity : Number(digits);
        if (n > MAX_HUNK_NUMBER) {
          throw new DiffError(
            `malformed hunk header "${clip(header)}" in ${fileName(cur)} at ${where(i)}: ${what} ${clip(digits, 20)} is out of range (at most ${MAX_HUNK_NUMBER})`,
          );
        }
        return n;
      };
      const oldStart = num(m[1], "old start line");
      const oldLines = num(m[2], "old line count");
      const newStart = num(m[3], "new start line");
      const newLines = num(m[4], "new line count");
      lastKind = "";
      hunk = {
        header,
        headerIdx: i,
        oldStart,
        oldLines,
        newStart,
        newLines,
        section: m[5]!.trim(),
        changeIdx: [],
      };
      cur.hunks.push(hunk);
      remOld = oldLines;
      remNew = newLines;
      if (remOld === 0 && remNew === 0) throw new DiffError(`empty hunk "${hunk.header}" in ${fileName(cur)} at ${where(i)}`);
      { lastUsed = i; continue; }
    }
    // format-patch signature "-- \n2.43.0" (some mailers strip the space: "--").
    if (line === "-- " || (line === "--" && !(remOld > 0 || remNew > 0))) break;
    // A "---" line after a complete hunk, not a "---"/"+++" file header: the
    // separator b4 writes before "base-commit:"/"change-id:" and its
    // signature. git apply stops a hunk at its line count and skips what is
    // not a header, so this is trailing matter, not a removed "--" line.
    if (hunk && /^---\s*$/.test(line)) break;
    if (cur && !cur.hunks.length) {
      // git's extended header lines.
      let m: RegExpExecArray | null;
      if ((m = /^old mode (\d+)$/.exec(line))) {
        cur.oldMode = m[1]!;
        { lastUsed = i; continue; }
      }
      if ((m = /^new mode (\d+)$/.exec(line))) {
        cur.newMode = m[1]!;
        { lastUsed = i; continue; }
      }
      if ((m = /^new file mode (\d+)$/.exec(line))) {
        cur.newFile = true;
        cur.newMode = m[1]!;
        { lastUsed = i; continue; }
      }
      if ((m = /^deleted file mode (\d+)$/.exec(line))) {
        cur.deletedFile = true;
        cur.oldMode = m[1]!;
        { lastUsed = i; continue; }
      }
      if ((m = /^(?:dis)?similarity index (\d+)%$/.exec(line))) {
        cur.similarity = Number(m[1]);
        { lastUsed = i; continue; }
      }
      if ((m = /^rename (?:from|old) (.*)$/.exec(line))) {
        cur.renameFrom = unquote(m[1]!);
        { lastUsed = i; continue; }
      }
      if ((m = /^rename (?:to|new) (.*)$/.exec(line))) {
        cur.renameTo = unquote(m[1]!);
        { lastUsed = i; continue; }
      }
      if ((m = /^copy from (.*)$/.exec(line))) {
        cur.copyFrom = unquote(m[1]!);
        { lastUsed = i; continue; }
      }
      if ((m = /^copy to (.*)$/.exec(line))) {
        cur.copyTo = unquote(m[1]!);
        { lastUsed = i; continue; }
      }
      if ((m = /^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})(?: (\d+))?$/.exec(line))) {
        cur.oldBlob = m[1]!;
        cur.newBlob = m[2]!;
        if (m[3]) cur.oldMode = cur.newMode = m[3];
        { lastUsed = i; continue; }
      }
      if (/^Binary files .* differ$/.test(line)) {
        cur.binary = true;
        { lastUsed = i; continue; }
      }
      if (line === "GIT binary patch") {
        cur.binary = true;
        // Skip "literal N"/"delta N" blocks of base85 lines and their blank separators.
        while (i + 1 < lines.length) {
          const n = lines[i + 1]!;
          if (n === "" || /^(literal|delta) \d+$/.test(n) || BASE85_LINE.test(n)) i++;
          else break;
        }
        { lastUsed = i; continue; }
      }
    }
    if (line.startsWith("Index: ") || /^={10,}$/.test(line)) {
      if (line.startsWith("Index: ")) newBlock(i, false);
      { lastUsed = i; continue; }
    }
    if (PLAIN_DIFF_CMD.test(line) && lines[i + 1]?.startsWith("--- ")) {
      newBlock(i, false);
      { lastUsed = i; continue; }
    }
    if (line === "") continue;
    const c = line.charCodeAt(0);
    if ((c === 0x2b || c === 0x2d || c === 0x20) && hunk) {
      const h = hunk as HunkSpan;
      throw new DiffError(
        `malformed hunk "${h.header}" in ${fileName(cur)}: more lines than its header says (${where(i)}: "${clip(line)}")`,
      );
    }
    if (cur && cur.git && !cur.hunks.length && !cur.binary && cur.minus === undefined && c !== 0x2b && c !== 0x2d && c !== 0x20) {
      // Unknown extended header line (newer git): tolerated like git apply does.
      { lastUsed = i; continue; }
    }
    break;
  }
  if (remOld > 0 || remNew > 0) {
    const h = hunk as HunkSpan | null;
    throw new DiffError(
      `malformed hunk "${h?.header}" in ${fileName(cur)}: the input ends inside it ` +
        `(its header promises ${remOld} more old and ${remNew} more new lines)`,
    );
  }
  if (cur) cur.end = Math.max(cur.start + 1, lastUsed + 1);
  return { blocks, end: i };
}

function stripPrefix(p: string | undefined, prefix: string): string | undefined {
  if (p === undefined) return undefined;
  if (p === "/dev/null") return p;
  return p.startsWith(prefix) ? p.slice(prefix.length) : p;
}

/** Old/new paths of a block, without the a/ b/ (or mnemonic i/ w/ c/ o/) prefixes. */
function blockPaths(b: Block): { oldPath: string | null; newPath: string | null } {
  let oldP = b.minus ?? b.gitOld;
  let newP = b.plus ?? b.gitNew;
  // Which prefixes does this diff use? git: from the "diff --git" line.
  const po = (b.gitOld ?? oldP ?? "").match(/^([a-z])\//)?.[1];
  const pn = (b.gitNew ?? newP ?? "").match(/^([a-z])\//)?.[1];
  if (po && pn && po !== pn) {
    oldP = stripPrefix(oldP, `${po}/`);
    newP = stripPrefix(newP, `${pn}/`);
  } else if (!b.git && oldP && newP && oldP !== "/dev/null" && newP !== "/dev/null") {
    // Plain diff -u old/x new/x: strip one leading component, as `patch -p1` does.
    const so = oldP.indexOf("/");
    const sn = newP.indexOf("/");
    if (so > 0 && sn > 0) {
      oldP = oldP.slice(so + 1);
      newP = newP.slice(sn + 1);
    }
  }
  if (b.renameFrom !== undefined) oldP = b.renameFrom;
  if (b.renameTo !== undefined) newP = b.renameTo;
  if (b.copyFrom !== undefined) oldP = b.copyFrom;
  if (b.copyTo !== undefined) newP = b.copyTo;
  let oldPath: string | null = oldP === undefined || oldP === "/dev/null" ? null : oldP;
  let newPath: string | null = newP === undefined || newP === "/dev/null" ? null : newP;
  if (b.newFile) oldPath = null;
  if (b.deletedFile) newPath = null;
  return { oldPath, newPath };
}

function blockStatus(b: Block, oldPath: string | null, newPath: string | null): FileStatus {
  if (b.newFile || oldPath === null) return "added";
  if (b.deletedFile || newPath === null) return "deleted";
  if (b.renameFrom !== undefined || b.renameTo !== undefined) return "renamed";
  if (b.copyFrom !== undefined || b.copyTo !== undefined) return "copied";
  return "modified";
}

/**
 * Change lines of one file above which the scan's own reading is used
 * instead of parse-diff's: 200,000 lines is far past what the C model reads
 * (4 MiB), and a 44 MB patch took 940 MB in ingest with both.
 */
const LARGE_BLOCK_LINES = 200_000;

function hunkOf(lines: string[], span: HunkSpan, changes: LineChange[]): Hunk {
  return {
    header: lines[span.headerIdx]!,
    oldStart: span.oldStart,
    oldLines: span.oldLines,
    newStart: span.newStart,
    newLines: span.newLines,
    section: span.section,
    changes,
    ...(span.noNewlineOld ? { noNewlineOld: true } : {}),
    ...(span.noNewlineNew ? { noNewlineNew: true } : {}),
  };
}

/** A validated hunk's lines with their old/new line numbers, as parse-diff would number them. */
function changesFromScan(lines: string[], span: HunkSpan, base: number | undefined): LineChange[] {
  let oldLine = span.oldStart;
  let newLine = span.newStart;
  return span.changeIdx.map((i) => {
    const l = lines[i]!;
    const content = l.slice(1);
    const pl = base === undefined ? {} : { patchLine: base + i };
    if (l[0] === "+") return { kind: "add", content, newLine: newLine++, ...pl };
    if (l[0] === "-") return { kind: "del", content, oldLine: oldLine++, ...pl };
    return { kind: "normal", content, oldLine: oldLine++, newLine: newLine++, ...pl };
  });
}

export interface ParsedDiff {
  files: FileDiff[];
  /** Index (into the input lines) of the first line after the diff. */
  end: number;
}

export interface ParseDiffOptions {
  /** Line number (in the patch input, 1-based) of `lines[0]`; when set, changes get `patchLine`. */
  firstLineNo?: number;
}

/**
 * Parse the diff that starts at `lines[start]`. Throws DiffError when it is
 * malformed (hunk counts that do not match, garbage inside a hunk, …).
 */
export function parseDiffLines(lines: string[], start: number, opts: ParseDiffOptions = {}): ParsedDiff {
  const base = opts.firstLineNo;
  const lineNo = (i: number) => (base === undefined ? i + 1 : base + i);
  const { blocks, end } = scanDiff(lines, start, lineNo);
  const files: FileDiff[] = [];
  for (const b of blocks) {
    const { oldPath, newPath } = blockPaths(b);
    const hunks: Hunk[] = [];
    const changeLines = b.hunks.reduce((n, h) => n + h.changeIdx.length, 0);
    if (changeLines > LARGE_BLOCK_LINES) {
      // parse-diff's copy of a block this size (its text, its change objects)
      // doubled ingest's memory, to cross-check what the scan already checked.
      for (const span of b.hunks) hunks.push(hunkOf(lines, span, changesFromScan(lines, span, base)));
    } else if (b.hunks.length) {
      // Without "\ No newline" markers: the scan recorded them, and parse-diff
      // crashes on one that follows the "@@" line directly.
      const text = lines.slice(b.start, b.end).filter((l) => !l.startsWith("\\")).join("\n");
      const parsed = parseDiff(text);
      const chunks = parsed.flatMap((f) => f.chunks);
      if (chunks.length !== b.hunks.length) {
        throw new DiffError(
          `diff of ${newPath ?? oldPath}: parse-diff found ${chunks.length} hunks where the scan found ${b.hunks.length}`,
        );
      }
      chunks.forEach((ch, k) => {
        const span = b.hunks[k]!;
        const changes = ch.changes;
        if (changes.length !== span.changeIdx.length) {
          throw new DiffError(
            `malformed hunk "${span.header}" in ${newPath ?? oldPath}: parse-diff read ${changes.length} lines, the scan ${span.changeIdx.length}`,
          );
        }
        const out: LineChange[] = changes.map((c, j) => {
          const content = c.content.slice(1);
          const pl = base === undefined ? {} : { patchLine: base + span.changeIdx[j]! };
          if (c.type === "add") return { kind: "add", content, newLine: c.ln, ...pl };
          if (c.type === "del") return { kind: "del", content, oldLine: c.ln, ...pl };
          return { kind: "normal", content, oldLine: c.ln1, newLine: c.ln2, ...pl };
        });
        hunks.push(hunkOf(lines, span, out));
      });
    }
    let additions = 0;
    let deletions = 0;
    for (const h of hunks) for (const c of h.changes) if (c.kind === "add") additions++;
    else if (c.kind === "del") deletions++;
    const fd: FileDiff = {
      oldPath,
      newPath,
      status: blockStatus(b, oldPath, newPath),
      binary: !!b.binary,
      hunks,
      additions,
      deletions,
      ...(b.oldMode && b.newMode && b.oldMode !== b.newMode ? { oldMode: b.oldMode, newMode: b.newMode } : {}),
      ...(b.newFile && b.newMode ? { newMode: b.newMode } : {}),
      ...(b.deletedFile && b.oldMode ? { oldMode: b.oldMode } : {}),
      ...(b.similarity !== undefined ? { similarity: b.similarity } : {}),
      ...(b.oldBlob && !/^0+$/.test(b.oldBlob) ? { oldBlob: b.oldBlob } : {}),
      ...(b.newBlob && !/^0+$/.test(b.newBlob) ? { newBlob: b.newBlob } : {}),
    };
    if (oldPath === null && newPath === null) {
      throw new DiffError(`diff block at line ${lineNo(b.start)} names no file`);
    }
    files.push(fd);
  }
  return { files, end };
}

/** Parse a whole text that is (or contains) a diff. Returns no files when there is none. */
export function parseDiffText(text: string, opts: ParseDiffOptions = {}): ParsedDiff & { start: number } {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const start = findDiffStart(lines);
  if (start < 0) return { files: [], end: lines.length, start: -1 };
  return { ...parseDiffLines(lines, start, opts), start };
}
