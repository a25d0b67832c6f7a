// Inputs without mail headers: a bare unified diff (`git diff`, `diff -u`),
// or `git show` / `git log -p` output (one or more "commit <sha>" blocks with
// Author:/Date: and a 4-space-indented message).
import type { Patch } from "../model/patch.js";
import { DiffError, parseDiffLines, findDiffStart } from "./diff.js";
import { parseDate } from "./headers.js";
import { parseSubject } from "./subject.js";
import { parseTrailers } from "./trailers.js";

const COMMIT_LINE = /^commit ([0-9a-f]{40})(?: .*)?$/;

export interface PlainDiffUnit {
  /** 1-based position within the input (commits of a `git log -p`). */
  index: number;
  /** First line's number in the input file. */
  firstLine: number;
  lines: string[];
  commit?: string;
}

/** Split `git log -p` output into commits; anything else is one unit. */
export function splitPlainDiff(text: string): PlainDiffUnit[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) if (COMMIT_LINE.test(lines[i]!)) starts.push(i);
  if (!starts.length || starts[0] !== firstContentLine(lines)) return [{ index: 1, firstLine: 1, lines }];
  return starts.map((s, k) => ({
    index: k + 1,
    firstLine: s + 1,
    lines: lines.slice(s, starts[k + 1] ?? lines.length),
    commit: COMMIT_LINE.exec(lines[s]!)![1]!,
  }));
}

function firstContentLine(lines: string[]): number {
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  return i;
}

/**
 * Build the Patch for one unit. Throws DiffError when the diff is malformed.
 * `name` is the input's name: the subject of a bare diff (it has no other).
 */
export function buildPlainDiffPatch(unit: PlainDiffUnit, name: string, source: string): Patch {
  const { lines } = unit;
  let author: { name: string; email: string } | undefined;
  let date: string | undefined;
  let subject = name;
  let body = "";
  let bodyStart = 0;
  if (unit.commit) {
    // Header lines until the first blank line, then the indented message.
    let i = 1;
    for (; i < lines.length && lines[i] !== ""; i++) {
      const l = lines[i]!;
      const a = /^Author:\s*(.*?)\s*<([^>]*)>\s*$/.exec(l);
      if (a) author = { name: a[1]!, email: a[2]! };
      const d = /^(?:Author)?Date:\s*(.*)$/.exec(l);
      if (d) date = parseDate(d[1]!) ?? date;
    }
    const msg: string[] = [];
    for (i++; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.startsWith("    ")) msg.push(l.slice(4));
      else if (l === "") msg.push("");
      else break;
    }
    bodyStart = i;
    while (msg.length && msg[msg.length - 1] === "") msg.pop();
    subject = msg[0] ?? name;
    body = msg.join("\n");
  }
  const ds = findDiffStart(lines, bodyStart);
  const files = ds < 0 ? [] : parseDiffLines(lines, ds, { firstLineNo: unit.firstLine }).files;
  if (!unit.commit && !files.length) {
    throw new DiffError("no unified diff found (a diff needs ---/+++ lines and @@ hunks)");
  }
  const parsed = parseSubject(subject);
  return {
    source,
    index: unit.index,
    kind: unit.commit ? (files.length ? "patch" : "other") : "diff",
    references: [],
    subject,
    title: unit.commit ? parsed.title : subject,
    tags: parsed.tags,
    ...(author ? { author } : {}),
    ...(date ? { date } : {}),
    to: [],
    cc: [],
    body,
    trailers: parseTrailers(body),
    files,
    warnings: [],
    seriesKey: "",
    ...(unit.commit ? { commit: unit.commit } : {}),
  };
}
