// One decoded mail → one Patch: kind (patch, cover, reply, other), commit
// message, trailers and the parsed diff, as `git am` would see it.
import type { FileDiff, Patch, PatchKind, Trailer } from "../model/patch.js";
import type { DecodedBody } from "./body.js";
import { DiffError, findDiffStart, parseDiffLines } from "./diff.js";
import { addressList, type MailHeaders } from "./headers.js";
import { bodyNotAPatch, subjectNotAPatch } from "./notPatches.js";
import { parseSubject } from "./subject.js";
import { parseTailTrailers, parseTrailers } from "./trailers.js";

export interface MessageContext {
  /** `source` of the Patch: "path" or "path#index". */
  source: string;
  index: number;
  /** Lines before the body (header block + blank line), to number body lines like checkpatch does. */
  headerLines: number;
  /** Commit id from a `git format-patch` postmark. */
  commit?: string;
}

function trimBlankEnd(lines: string[]): string[] {
  let n = lines.length;
  while (n > 0 && lines[n - 1]!.trim() === "") n--;
  return lines.slice(0, n);
}

function trimBlankStart(lines: string[]): string[] {
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  return lines.slice(i);
}

/** Lines before the signature delimiter "-- " (the last one, as mail readers do). */
function beforeSignature(lines: string[]): string[] {
  const sig = lines.lastIndexOf("-- ");
  return sig >= 0 ? lines.slice(0, sig) : lines;
}

function toLines(text: string): string[] {
  return text.replace(/\r\n?/g, "\n").split("\n");
}

export interface SplitPatchText {
  /** Commit message: text before the "---" separator (or before the diff). */
  message: string;
  files: FileDiff[];
  trailers: Trailer[];
  hasDiff: boolean;
}

/**
 * Split a patch mail body (or an attached format-patch file) into the commit
 * message, the diff, and the trailers, as `git am` does: the message ends at
 * the first "---" line before the diff; the diff ends at the "-- " signature.
 */
export function splitPatchText(text: string, firstLineNo: number | undefined): SplitPatchText {
  const lines = toLines(text);
  const ds = findDiffStart(lines);
  if (ds < 0) {
    const msg = trimBlankEnd(beforeSignature(lines));
    return { message: msg.join("\n"), files: [], trailers: parseTrailers(msg.join("\n")), hasDiff: false };
  }
  let sep = lines.indexOf("---");
  if (sep < 0 || sep > ds) sep = ds;
  const message = trimBlankEnd(lines.slice(0, sep)).join("\n");
  const parsed = parseDiffLines(lines, ds, firstLineNo === undefined ? {} : { firstLineNo });
  const tail = lines.slice(parsed.end).join("\n");
  return {
    message,
    files: parsed.files,
    trailers: [...parseTrailers(message), ...parseTailTrailers(tail)],
    hasDiff: true,
  };
}

/** An attachment that is a whole format-patch file: drop its mail headers, keep the message. */
function attachmentBody(text: string): string {
  const lines = toLines(text);
  let i = 0;
  if (lines[0]?.startsWith("From ")) i = 1;
  if (/^[A-Za-z-]+: /.test(lines[i] ?? "")) {
    while (i < lines.length && lines[i] !== "") i++;
    return lines.slice(i + 1).join("\n");
  }
  return text;
}

export class NoDiffError extends Error {}

/**
 * Define `obj[key]` as computed on first read (then a plain property).
 * Address lists of a vger mail run to dozens of entries and most messages are
 * replies whose To/Cc nobody reads; parsing them eagerly cost ~7% of ingest.
 */
function lazyField<T extends object, K extends keyof T>(obj: T, key: K, compute: () => T[K]): void {
  const define = (value: T[K]) =>
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(obj, key, {
    get() {
      const v = compute();
      define(v);
      return v;
    },
    set(v: T[K]) {
      define(v);
    },
    enumerable: true,
    configurable: true,
  });
}

/** RFC 5322's limit for one header line; a longer "From: …" line in a body is prose, not a header. */
const MAX_HEADER_LINE = 998;

/**
 * In-body headers, as `git am` honours them: a patch forwarded by someone else
 * starts its body with "From: Original Author <…>" (and maybe Date:/Subject:)
 * and a blank line. They name the real author; they are not commit message.
 */
function inBodyHeaders(message: string): { from?: { name: string; email: string }; rest: string } {
  const lines = toLines(message);
  let i = 0;
  let from: { name: string; email: string } | undefined;
  while (i < lines.length && lines[i]!.length <= MAX_HEADER_LINE && /^(From|Date|Subject): /.test(lines[i]!)) {
    // One greedy class up to "<", trimmed after: a lazy name before `\s*<`
    // was quadratic in a run of spaces ("From: a"+200k spaces: 50 s).
    const m = /^From: ([^<]*)<([^>]+)>\s*$/.exec(lines[i]!);
    if (m) from = { name: m[1]!.trim().replace(/^"|"$/g, ""), email: m[2]! };
    i++;
  }
  if (i === 0 || (lines[i] !== undefined && lines[i] !== "")) return { rest: message };
  return { ...(from ? { from } : {}), rest: lines.slice(i + 1).join("\n") };
}

/**
 * Build the Patch for a decoded mail. Throws DiffError for a malformed diff and
 * NoDiffError for a `[PATCH]` mail that is not a cover or reply yet carries no diff.
 */
export function buildMailPatch(h: MailHeaders, body: DecodedBody, ctx: MessageContext): Patch {
  const { tags, title, isReply } = parseSubject(h.subject);
  const warnings = [...h.warnings, ...body.warnings];
  let kind: PatchKind;
  let message = "";
  let files: FileDiff[] = [];
  let trailers: Trailer[] = [];
  let attachment: string | undefined;
  let author = h.from;

  const isCover = tags.isPatch && tags.number === 0;
  const aboutPatches = isReply || isCover ? undefined : subjectNotAPatch(tags, title);
  if (aboutPatches) {
    // A pull request or a ping: not reviewed, so not diff-parsed either (a
    // pull's merge diff is a summary of commits reviewed elsewhere).
    kind = aboutPatches;
    message = body.text;
  } else if (isReply || isCover) {
    // Replies quote diffs and covers carry diffstats and range-diffs: neither is
    // reviewed, so neither is diff-parsed (a malformed quote is not an error).
    kind = isReply ? "reply" : "cover";
    if (isCover) {
      message = trimBlankEnd(beforeSignature(toLines(body.text))).join("\n");
      trailers = parseTrailers(message);
    } else {
      // Replies are not reviewed: their text is kept as sent, unsplit (cheap).
      message = body.text;
    }
  } else {
    const inline = splitPatchText(body.text, ctx.headerLines + 1);
    message = inline.message;
    files = inline.files;
    trailers = inline.trailers;
    if (!inline.hasDiff) {
      // A patch sent as an attachment (text/x-patch, or a .patch file).
      for (const a of body.attachments) {
        const ab = attachmentBody(a.text);
        const lines = toLines(ab);
        if (findDiffStart(lines) < 0) continue;
        let part: SplitPatchText;
        try {
          part = splitPatchText(ab, undefined);
        } catch (e) {
          if (e instanceof DiffError) throw new DiffError(`attachment ${a.filename ?? a.contentType}: ${e.message}`);
          throw e;
        }
        files.push(...part.files);
        attachment ??= a.filename ?? a.contentType;
        // The attachment's own commit message wins over a "see attached" mail body.
        const own = trimBlankStart(toLines(part.message)).join("\n").trim();
        if (own) {
          message = own;
          trailers = part.trailers;
        } else trailers.push(...part.trailers.filter((t) => !trailers.some((x) => x.key === t.key && x.value === t.value)));
      }
    }
    const ib = inBodyHeaders(message);
    message = ib.rest;
    if (ib.from) author = ib.from;
    kind = files.length ? "patch" : "other";
    // Only a tag that says PATCH promises a diff ("[RFC] proposal" may be prose).
    if (!files.length && tags.raw.some((r) => /\bpatch(es|set)?(v\d+)?\b/i.test(r))) {
      // Unless the mail quotes a patch (a ping) or points at a branch.
      const what = bodyNotAPatch(body.text);
      if (!what) throw new NoDiffError("no diff found in a [PATCH] mail that is neither a cover letter nor a reply");
      kind = what;
    }
  }

  const patch: Patch = {
    source: ctx.source,
    index: ctx.index,
    kind,
    ...(h.messageId ? { messageId: h.messageId } : {}),
    ...(h.inReplyTo ? { inReplyTo: h.inReplyTo } : {}),
    references: h.references,
    subject: h.subject,
    title,
    tags,
    ...(author ? { author } : {}),
    ...(author && h.from && author.email.toLowerCase() !== h.from.email.toLowerCase() ? { sender: h.from } : {}),
    ...(h.date ? { date: h.date } : {}),
    to: [],
    cc: [],
    body: message,
    trailers,
    files,
    warnings,
    seriesKey: "",
    ...(ctx.commit ? { commit: ctx.commit } : {}),
    ...(attachment ? { attachment } : {}),
  };
  lazyField(patch, "to", () => addressList(h.toRaw));
  lazyField(patch, "cc", () => addressList(h.ccRaw));
  return patch;
}
