// Commit message trailers (Documentation/process/submitting-patches.rst):
// Fixes:, Reported-by:, Closes:, Link:, Signed-off-by:, Reviewed-by:, … in the
// last paragraph(s) of the commit message, plus what format-patch and b4 put
// *after* the diff (base-commit:, prerequisite-patch-id:, change-id:).
// Order is preserved: the Signed-off-by chain is a record of who handled the
// patch in which order.
import type { Trailer } from "../model/patch.js";

const TRAILER_LINE = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;

/** Keys kernel developers use; any "*-by" key is accepted as well. */
const KNOWN = new Set(
  [
    "fixes",
    "closes",
    "link",
    "cc",
    "bug",
    "base-commit",
    "prerequisite-patch-id",
    "change-id",
    "message-id",
    "signed-off-by",
    "reviewed-by",
    "acked-by",
    "tested-by",
    "reported-by",
    "suggested-by",
    "co-developed-by",
    "cc-by",
    "requested-by",
  ],
);

function isTrailerKey(key: string): boolean {
  const k = key.toLowerCase();
  return KNOWN.has(k) || k.endsWith("-by");
}

/** A line that may sit in a trailer block without being a trailer: "[ fixed typo ]" notes, "(cherry picked …)". */
function isTrailerNote(line: string): boolean {
  return /^\[.*\]$/.test(line) || /^\(cherry picked from commit [0-9a-f]+\)$/.test(line) || /^#/.test(line);
}

/**
 * Trailers of a commit message: the trailing paragraphs that consist only of
 * trailer lines (and their indented continuations). Kernel commits often put
 * `Fixes:` in its own paragraph above the sign-offs, so every such trailing
 * paragraph counts, not only the last.
 */
export function parseTrailers(message: string): Trailer[] {
  const lines = message.replace(/\r/g, "").split("\n");
  // Group into paragraphs.
  const paras: string[][] = [];
  let cur: string[] = [];
  for (const l of lines) {
    if (l.trim() === "") {
      if (cur.length) paras.push(cur);
      cur = [];
    } else cur.push(l);
  }
  if (cur.length) paras.push(cur);

  const blocks: Trailer[][] = [];
  // The first paragraph is the subject/summary: never a trailer block.
  for (let p = paras.length - 1; p >= 1; p--) {
    const t = trailerParagraph(paras[p]!);
    if (!t) break;
    blocks.unshift(t);
  }
  // A one-paragraph message ("Signed-off-by: x" only) still has trailers.
  if (paras.length === 1) {
    const t = trailerParagraph(paras[0]!);
    if (t) blocks.push(t);
  }
  return blocks.flat();
}

function trailerParagraph(lines: string[]): Trailer[] | null {
  const out: Trailer[] = [];
  for (const l of lines) {
    if ((l.startsWith(" ") || l.startsWith("\t")) && out.length) {
      // RFC 822-style continuation of the previous trailer.
      out[out.length - 1]!.value += " " + l.trim();
      continue;
    }
    const m = TRAILER_LINE.exec(l.trim());
    if (m && isTrailerKey(m[1]!)) {
      out.push({ key: m[1]!, value: m[2]!.trim() });
      continue;
    }
    if (isTrailerNote(l.trim())) continue;
    return null;
  }
  return out.length ? out : null;
}

const AFTER_DIFF = /^(base-commit|prerequisite-patch-id|change-id)[ \t]*:[ \t]*(\S+)/i;

/** Trailers format-patch/b4 place after the diff (before the "-- " signature). */
export function parseTailTrailers(tail: string): Trailer[] {
  const out: Trailer[] = [];
  for (const l of tail.replace(/\r/g, "").split("\n")) {
    if (l === "-- ") break;
    const m = AFTER_DIFF.exec(l);
    if (m) out.push({ key: m[1]!, value: m[2]! });
  }
  return out;
}

/** Values of a trailer key, case-insensitively. */
export function trailerValues(trailers: Trailer[], key: string): string[] {
  const k = key.toLowerCase();
  return trailers.filter((t) => t.key.toLowerCase() === k).map((t) => t.value);
}
