// Subject line → reply prefix, bracket tags and title, the way kernel
// maintainers' tools read them (b4's LoreSubject does the same job):
//   "[PATCH v3 2/7] nbd: fix …"        version 3, patch 2 of 7
//   "[RFC PATCH net-next]"             rfc, prefix net-next
//   "[PATCH RFC v2 0/3]"               cover letter of an RFC v2
//   "[PATCH 5.10 1/2]"                 stable backport: prefix "5.10"
//   "[RESEND PATCH]", "[PATCH V2]", "[PATCHv2]", "[PATCH] [v2]"
//   "Re: Aw: Fwd: [PATCH …]"            a reply, never reviewed as a patch
import type { SubjectTags } from "../model/patch.js";

export interface ParsedSubject {
  tags: SubjectTags;
  title: string;
  /** "Re:", "Aw:", "Fwd:" … seen before the title (case-insensitive). */
  isReply: boolean;
}

// Reply and forward markers in the languages kernel mail arrives in:
// Re/Aw (German "Antwort")/Antw/Odp (Polish)/回复/答复, Fwd/Fw. "Sv" (Nordic)
// and "WG" (German forward) are also subsystem-like words ("wg: …" is
// WireGuard), so they count only in front of a bracket tag. Prefixes are only
// looked for before the first tag: "[PATCH] re: …" is a patch.
const REPLY_PREFIX = /^\s*(re|aw|antw|odp|fwd?|sv|wg|回复|答复|转发)\s*(\[\d+\])?\s*[:：]\s*/i;

/** Revisions past this are not revisions ("v20240113" is a date): the word stays a prefix-like tag. */
const MAX_VERSION = 9999;

function setVersion(tags: SubjectTags, digits: string): void {
  const v = Number(digits);
  if (v < 1 || v > MAX_VERSION) return;
  tags.version = v;
  tags.versionGiven = true;
}

function parseTagWords(words: string[], tags: SubjectTags): void {
  for (const w of words) {
    if (!w) continue;
    let m: RegExpExecArray | null;
    if ((m = /^patch(?:es|set)?(?:v(\d+))?$/i.exec(w))) {
      tags.isPatch = true;
      if (m[1]) setVersion(tags, m[1]);
    } else if (/^rfc$/i.test(w)) {
      tags.rfc = true;
      tags.isPatch = true;
    } else if (/^resend$/i.test(w)) {
      tags.resend = true;
      tags.isPatch = true;
    } else if ((m = /^v(\d+)$/i.exec(w))) {
      setVersion(tags, m[1]!);
    } else if ((m = /^(\d+)\/(\d+)$/.exec(w))) {
      tags.number = Number(m[1]);
      tags.total = Number(m[2]);
    } else {
      tags.prefixes.push(w);
    }
  }
}

export function parseSubject(subject: string): ParsedSubject {
  const tags: SubjectTags = { raw: [], isPatch: false, rfc: false, resend: false, version: 1, prefixes: [] };
  let rest = subject.replace(/\s+/g, " ").trim();
  let isReply = false;
  for (;;) {
    const m = tags.raw.length === 0 ? REPLY_PREFIX.exec(rest) : null;
    if (m) {
      const word = m[1]!.toLowerCase();
      if ((word === "sv" || word === "wg") && !rest.slice(m[0].length).startsWith("[")) break;
      isReply = true;
      rest = rest.slice(m[0].length);
      continue;
    }
    if (rest.startsWith("[")) {
      const close = rest.indexOf("]");
      if (close < 0) break;
      const inner = rest.slice(1, close).trim();
      tags.raw.push(inner);
      // "PATCH/RFC" is two words; "2/7" is one.
      parseTagWords(inner.split(/[\s,]+/).flatMap((w) => (/^\d+\/\d+$/.test(w) ? [w] : w.split("/"))), tags);
      rest = rest.slice(close + 1).trimStart();
      continue;
    }
    break;
  }
  return { tags, title: rest.trim(), isReply };
}

/** Normalised title for series identity: case, spacing and a trailing period do not matter. */
export function normalizeTitle(title: string): string {
  return title.toLowerCase().replace(/\s+/g, " ").replace(/[.\s]+$/, "").trim();
}
