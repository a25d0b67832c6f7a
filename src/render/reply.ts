// The reply a kernel maintainer would send, as plain text (no MIME here;
// src/render/mail.ts renders it with nodemailer). KNOWN-INCIDENTS.md
// section C is the specification:
//
// - trimmed, interleaved: quote only the hunk a finding points at, with
//   `> `, keeping the `diff --git`/`---`/`+++` lines for file context and
//   marking what was cut with `[ ... ]` (submitting-patches.rst, "Use
//   trimmed interleaved replies");
// - the comment directly under the offending line, phrased as a question
//   about the code (the rule's `question`), then the lockdep-style scenario,
//   the fix that worked before and the incident with its lore link;
// - plain text, prose wrapped at 72 columns (never past 78), quoted diff
//   lines untouched; "regression", never "critical", no capitals for
//   emphasis; never a Reported-by tag (these bugs are hypothetical);
// - a short footer after "-- " that says the mail was generated, by which
//   rules, and how to silence or report a false positive;
// - strict threading: Re: subject, In-Reply-To the patch, References its
//   references plus the patch; recipients as reviewers reply (recipients.ts);
// - at most two incidents, the closest first, never the patch's own series
//   (citations.ts).
import { createHash } from "node:crypto";
import type { FileDiff, Hunk, LineChange, Patch } from "../model/patch.js";
import type { Finding, PatchReport } from "../model/review.js";
import type { DiffResult } from "../review/differential.js";
import type { RuleFinding, RuleMeta } from "../review/rule.js";
import { citations } from "./citations.js";
import { formatPerson, parseAddress, recipients } from "./recipients.js";

/** Prose is wrapped here; mutt and vim's `tw` for mail use 72. */
export const WRAP = 72;
/** No line a reply writes (other than quoted diff lines and unbreakable links) is longer: the same 72. */
export const MAX_LINE = WRAP;
/** Changed lines quoted above the offending line (twice this), and context lines above those. */
const LEAD = 8;
const CONTEXT = 3;
/** A chain element this close to a hunk (in lines) makes that hunk the place to comment. */
const NEAR = 30;

export interface ReplyOptions {
  /** The sender, "Name <address>" (also used to drop the sender from Cc). */
  from: string;
  date: Date;
  toolVersion: string;
  /** Metadata of the rules, by id (title, description, docs path). */
  rules: ReadonlyMap<string, Pick<RuleMeta, "id" | "title" | "docs"> & Partial<Pick<RuleMeta, "description">>>;
  /** Where false positives are reported (a URL or an address), when configured. */
  reportTo?: string;
  /** Base URL of lockreview's documentation, when configured (else the footer links none). */
  docsUrl?: string;
  /** --all: also findings already there, and a line of thanks for those the patch fixes. */
  all?: boolean;
}

export interface Reply {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  /** `<id>` of the patch; absent when the patch had no Message-ID (the reply cannot be threaded). */
  inReplyTo?: string;
  references: string[];
  messageId: string;
  date: Date;
  text: string;
  /** Rule ids the reply talks about. */
  rules: string[];
  /** Title of the patch (for file names). */
  title: string;
  /** Cc addresses of the patch left out (recipients.ts, MAX_CC). */
  dropped: number;
}

// ---------------------------------------------------------------- text

/** Mail is read in terminals and archived as is: ASCII arrows and ellipses in our own prose. */
export function asciify(s: string): string {
  return s.replace(/\s*→\s*/g, " -> ").replace(/…/g, "...").replace(/[–—]/g, "-");
}

/** Wrap one paragraph at `width`, continuation lines indented by `indent`. A word longer than the line stays whole (URLs). */
export function wrap(text: string, width = WRAP, first = "", indent = first): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > width) {
      out.push(line);
      line = indent + w;
    } else {
      line += (empty ? "" : " ") + w;
    }
    empty = false;
  }
  if (!empty || !out.length) out.push(line);
  return out;
}

/** A preformatted line (scenario, chain): kept as is unless it is longer than MAX_LINE, then wrapped with a hanging indent. */
function pre(line: string): string[] {
  if (line.length <= MAX_LINE) return [line];
  const lead = /^\s*/.exec(line)![0];
  return wrap(line.trim(), MAX_LINE, lead, lead + "    ");
}

/** RFC 2822 date in UTC, as mail clients print it in attributions. */
export function rfc2822(d: Date): string {
  return d.toUTCString().replace(/GMT$/, "+0000").replace(/^(\w+), 0(\d)/, "$1, $2");
}

// ---------------------------------------------------------------- threading

const bracket = (id: string) => (id.startsWith("<") ? id : `<${id}>`);

export function replySubject(subject: string): string {
  const s = subject.trim();
  return /^re:/i.test(s) ? s : `Re: ${s}`;
}

/** References of a reply: the parent's References (or its In-Reply-To), then the parent (RFC 5322 3.6.4). */
export function replyReferences(patch: Patch): string[] {
  const refs = patch.references.length ? patch.references : patch.inReplyTo ? [patch.inReplyTo] : [];
  const out: string[] = [];
  for (const r of [...refs, ...(patch.messageId ? [patch.messageId] : [])]) {
    const b = bracket(r);
    if (!out.includes(b)) out.push(b);
  }
  return out;
}

/**
 * A stable Message-ID: the same patch with the same findings gives the same
 * id, so a reply generated twice is one message to public-inbox, lore and
 * the recipients' duplicate filters.
 */
export function replyMessageId(patch: Patch, findings: Finding[], from: string): string {
  const h = createHash("sha256");
  h.update(patch.messageId ?? `${patch.source}\0${patch.subject}`);
  for (const f of findings) h.update(`\0${f.ruleId}\0${f.fingerprint ?? `${f.file}:${f.line}`}\0${f.status}`);
  const domain = (parseAddress(from).address.split("@")[1] ?? "").replace(/[^A-Za-z0-9.-]/g, "") || "localhost";
  return `<lockreview.${h.digest("hex").slice(0, 20)}@${domain}>`;
}

// ---------------------------------------------------------------- anchors

interface Anchor {
  file: number;
  hunk: number;
  /** Index of the change the comment goes under. */
  change: number;
}

type Side = "old" | "new";

function lineOn(c: LineChange, side: Side): number | undefined {
  return side === "old" ? (c.kind !== "add" ? c.oldLine : undefined) : c.kind !== "del" ? c.newLine : undefined;
}

function filesFor(patch: Patch, path: string, side: Side): number[] {
  const exact = patch.files.flatMap((f, i) => ((side === "old" ? f.oldPath : f.newPath) === path ? [i] : []));
  return exact.length ? exact : patch.files.flatMap((f, i) => (f.oldPath === path || f.newPath === path ? [i] : []));
}

function hunkRange(h: Hunk, side: Side): [number, number] {
  return side === "old" ? [h.oldStart, h.oldStart + Math.max(h.oldLines, 1) - 1] : [h.newStart, h.newStart + Math.max(h.newLines, 1) - 1];
}

/**
 * Where in the patch a finding is discussed: its own line when the patch
 * shows it; else the first place of its chain the patch shows (a changed
 * line first); else, under the last change of the nearest hunk of the file
 * (a deletion-only patch: the finding points at code the hunk does not
 * show, e.g. the allocation of a workqueue whose destroy was removed).
 */
export function anchorOf(patch: Patch, f: Finding, src?: RuleFinding): Anchor | undefined {
  const side: Side = f.status === "fixed" ? "old" : "new";
  const places = [{ file: f.file, line: f.line }, ...(src?.chain ?? []), ...f.trace.map((t) => ({ file: t.file, line: t.line }))];
  let context: Anchor | undefined;
  for (const p of places) {
    for (const fi of filesFor(patch, p.file, side)) {
      const hunks = patch.files[fi]!.hunks;
      for (let hi = 0; hi < hunks.length; hi++) {
        const ch = hunks[hi]!.changes;
        for (let ci = 0; ci < ch.length; ci++) {
          if (lineOn(ch[ci]!, side) !== p.line) continue;
          const a = { file: fi, hunk: hi, change: ci };
          if (p === places[0] || ch[ci]!.kind !== "normal") return a;
          context ??= a;
        }
      }
    }
  }
  if (context) return context;
  let best: (Anchor & { d: number }) | undefined;
  for (const p of places) {
    for (const fi of filesFor(patch, p.file, side)) {
      patch.files[fi]!.hunks.forEach((h, hi) => {
        const [a, b] = hunkRange(h, side);
        const d = p.line < a ? a - p.line : p.line > b ? p.line - b : 0;
        if (d > NEAR || (best && best.d <= d)) return;
        let ci = h.changes.length - 1;
        for (let i = h.changes.length - 1; i >= 0; i--) {
          if (h.changes[i]!.kind !== "normal") {
            ci = i;
            break;
          }
        }
        best = { file: fi, hunk: hi, change: ci, d };
      });
    }
  }
  return best && { file: best.file, hunk: best.hunk, change: best.change };
}

// ---------------------------------------------------------------- body

function quoteChange(c: LineChange): string {
  return `> ${c.kind === "add" ? "+" : c.kind === "del" ? "-" : " "}${c.content}`;
}

function fileHeader(fd: FileDiff): string[] {
  const a = fd.oldPath ?? fd.newPath ?? "";
  const b = fd.newPath ?? fd.oldPath ?? "";
  return [`> diff --git a/${a} b/${b}`, `> --- ${fd.oldPath ? `a/${fd.oldPath}` : "/dev/null"}`, `> +++ ${fd.newPath ? `b/${fd.newPath}` : "/dev/null"}`];
}

const lcfirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s);

interface Item {
  finding: Finding;
  source?: RuleFinding;
}

/** The comment under the quoted line, as lines (no surrounding blank lines). */
export function comment(item: Item, patch: Patch, opts: Pick<ReplyOptions, "rules">): string[] {
  const f = item.finding;
  const src = item.source;
  const title = opts.rules.get(f.ruleId)?.title ?? f.ruleId;
  const para = (s: string) => wrap(asciify(s));
  if (f.status === "fixed") {
    // One line of thanks (only with --all). The finding's own message
    // describes the bug in the present tense ("... leaks"), which would be
    // wrong about the patched code: name the kind of problem, not the details.
    return para(`Thanks, this also fixes an older problem here: ${lcfirst(title)} (${f.ruleId}).`);
  }
  const out: string[] = [];
  const lead = f.status === "existing" ? "Not introduced by this patch, but already there: " : "";
  out.push(...para(lead + (src?.question ?? f.message)));
  if (f.trace.length) {
    out.push("");
    for (const t of f.trace) out.push(...pre(asciify(`  ${t.file}:${t.line} ${t.function ? `${t.function}(): ` : ""}${t.note}`)));
  }
  if (f.scenario) {
    out.push("");
    for (const l of f.scenario.replace(/\n+$/, "").split("\n")) out.push(...pre(asciify(l).replace(/\s+$/, "")));
  }
  if (f.limitations?.length) {
    out.push("");
    out.push(...para(`What lockreview could not see: ${f.limitations.map((l) => l.replace(/\.$/, "")).join("; ")}.`));
  }
  if (f.fix) {
    out.push("");
    out.push(...para(`What worked before: ${lcfirst(f.fix)}`));
  }
  const meta = opts.rules.get(f.ruleId);
  const [first, second] = citations(f, patch, `${meta?.title ?? ""} ${meta?.description ?? ""}`);
  if (first) {
    out.push("");
    out.push(...para(`Seen before: ${first.title}`));
    out.push(first.url);
    if (second) {
      out.push(...para(`See also: ${second.title}`));
      out.push(second.url);
    }
  }
  return out;
}

/**
 * "On <date>, <author> wrote:" within WRAP columns: the address goes when
 * the line would be too long, and a name too long even alone is wrapped.
 */
function attribution(patch: Patch): string[] {
  const when = patch.date ? `On ${rfc2822(new Date(patch.date))}, ` : "";
  if (!patch.author) return [when ? `${when}the patch said:` : "The patch said:"];
  const full = `${when}${formatPerson(patch.author)} wrote:`;
  if (full.length <= WRAP) return [full];
  const short = `${when}${patch.author.name || patch.author.email} wrote:`;
  return short.length <= WRAP ? [short] : wrap(short);
}

function footer(rules: string[], silenceable: string[], opts: ReplyOptions, context: string): string[] {
  const report = opts.reportTo ? `, or report it at ${opts.reportTo}` : "";
  // A path inside lockreview's repository means nothing to the patch's
  // author: link the documentation only where it is published (--docs-url).
  const docs = opts.docsUrl ? rules.map((id) => new URL(opts.rules.get(id)?.docs ?? `docs/rules/${id}.md`, opts.docsUrl).href) : [];
  return [
    "-- ",
    ...wrap(`This review was generated by lockreview ${opts.toolVersion} from ${context} (rule${rules.length === 1 ? "" : "s"} ${rules.join(", ")}); it may be wrong.`),
    ...wrap(
      `If it is a false positive, please reply and say why${report}.${silenceable.length ? " To silence it in the code, put this on the reported line or the line above:" : ""}`,
    ),
    ...silenceable.map((id) => `  /* lockreview: ignore ${id} -- <reason> */`),
    ...(docs.length ? ["Rule documentation:", ...docs] : []),
  ];
}

// ---------------------------------------------------------------- quoting

/** A place in the patch: file, hunk and change index. */
const posKey = (a: Anchor) => `${a.file}/${a.hunk}/${a.change}`;
const before = (x: Anchor, y: Anchor) => x.file - y.file || x.hunk - y.hunk || x.change - y.change;

/** What is written at one quoted line of the patch. */
interface Stop {
  at: Anchor;
  /** Findings discussed under this line. */
  items: Item[];
  /** Lines of a chain discussed further down (quoted for context only), or further up (with a note each). */
  notes: string[];
  /** Only part of a chain: quote the line alone, not the block above it. */
  chainOnly: boolean;
}

/** Every place of a finding's chain the patch shows on the finding's side, with the trace's note for it. */
function chainPlaces(patch: Patch, f: Finding, src: RuleFinding | undefined): { at: Anchor; note?: string }[] {
  const side: Side = f.status === "fixed" ? "old" : "new";
  const out: { at: Anchor; note?: string }[] = [];
  const seen = new Set<string>();
  const places: { file: string; line: number; note?: string }[] = [
    ...f.trace.map((t) => ({ file: t.file, line: t.line, note: `${t.function ? `${t.function}(): ` : ""}${t.note}` })),
    ...(src?.chain ?? []),
  ];
  for (const p of places) {
    for (const fi of filesFor(patch, p.file, side)) {
      patch.files[fi]!.hunks.forEach((h, hi) => {
        h.changes.forEach((c, ci) => {
          if (lineOn(c, side) !== p.line) return;
          const at = { file: fi, hunk: hi, change: ci };
          if (seen.has(posKey(at))) return;
          seen.add(posKey(at));
          out.push({ at, ...(p.note ? { note: p.note } : {}) });
        });
      });
    }
  }
  return out;
}

/**
 * Where each finding is discussed and which lines of its chain are quoted
 * with it: the lock, the call, the other half of a cycle, as far as the
 * patch shows them. Chain lines above the comment are quoted (the comment
 * then walks through them); lines further down get a short note, so a
 * quoted line is never left without a word.
 */
function plan(patch: Patch, items: Item[]): { stops: Stop[]; loose: Item[] } {
  const stops = new Map<string, Stop>();
  const stop = (at: Anchor, chainOnly: boolean) => {
    const s = stops.get(posKey(at)) ?? { at, items: [], notes: [], chainOnly };
    s.chainOnly &&= chainOnly;
    stops.set(posKey(at), s);
    return s;
  };
  const loose: Item[] = [];
  for (const it of items) {
    const a = anchorOf(patch, it.finding, it.source);
    if (!a) {
      loose.push(it);
      continue;
    }
    stop(a, false).items.push(it);
    // A fixed finding gets one line of thanks, not its old chain.
    if (it.finding.status === "fixed") continue;
    for (const p of chainPlaces(patch, it.finding, it.source)) {
      if (posKey(p.at) === posKey(a)) continue;
      const s = stop(p.at, true);
      if (before(a, p.at) < 0 && p.note) s.notes.push(`The chain above goes on here: ${p.note}.`);
    }
  }
  const sorted = [...stops.values()].sort((x, y) => before(x.at, y.at));
  // Within a place: introduced first, then existing, then fixed.
  const rank = { introduced: 0, existing: 1, fixed: 2 } as const;
  for (const s of sorted) s.items.sort((x, y) => rank[x.finding.status] - rank[y.finding.status]);
  return { stops: sorted, loose };
}

/** The quoted patch with the comments interleaved. */
function quoteAndComment(patch: Patch, stops: Stop[], opts: ReplyOptions): string[] {
  const body: string[] = [];
  // "[ ... ]" between blank lines, one blank line however the cut is reached.
  const elide = () => body.push(...(body[body.length - 1] === "" ? [] : [""]), "[ ... ]", "");
  let lastFile = -1;
  let lastHunk = -1;
  let pos = 0; // next change of the current hunk to quote
  for (const s of stops) {
    const fd = patch.files[s.at.file]!;
    const h = fd.hunks[s.at.hunk]!;
    if (s.at.file !== lastFile) {
      if (lastFile >= 0) elide();
      body.push(...fileHeader(fd));
      lastFile = s.at.file;
      lastHunk = -1;
    }
    if (s.at.hunk !== lastHunk) {
      if (lastHunk >= 0 || s.at.hunk > 0) elide();
      body.push(`> ${h.header}`);
      lastHunk = s.at.hunk;
      pos = 0;
    }
    // A comment quotes the changed block that ends at its line (up to
    // 2 * LEAD lines) and up to CONTEXT lines before it; a chain line only
    // itself. What lies between that and what was already quoted is elided,
    // unless it is only a line or two.
    let start = s.at.change;
    if (!s.chainOnly) {
      while (start > pos && s.at.change - start < 2 * LEAD && h.changes[start - 1]!.kind !== "normal") start--;
      for (let n = 0; start > pos && n < CONTEXT; n++) start--;
    }
    if (start - pos <= 2) start = pos;
    if (start > pos) elide();
    for (let i = start; i <= s.at.change; i++) body.push(quoteChange(h.changes[i]!));
    pos = s.at.change + 1;
    const words = [...s.items.map((it) => comment(it, patch, opts)), ...s.notes.map((n) => wrap(asciify(n)))];
    for (const w of words) body.push("", ...w);
    if (words.length) body.push("");
  }
  // A chain line quoted last and left without a word still ends its quote.
  if (body.length && body[body.length - 1] !== "") body.push("");
  return body;
}

/** The reply to one patch, or null when it has nothing to say (no finding, or all silenced). */
export function composeReply(report: PatchReport, patch: Patch, details: DiffResult[] | undefined, opts: ReplyOptions): Reply | null {
  const items: Item[] = [];
  report.findings.forEach((f, i) => {
    if (f.suppressed) return;
    // What a patch fixes is good news, not a review comment: only with --all.
    if (f.status === "fixed" && !opts.all) return;
    // details are in the order of report.findings; match by identity first.
    const d = details?.find((x) => x.finding === f) ?? (details?.[i]?.finding.ruleId === f.ruleId ? details[i] : undefined);
    items.push(d ? { finding: f, source: d.source } : { finding: f });
  });
  if (!items.length) return null;

  const { stops, loose } = plan(patch, items);
  const body: string[] = [...attribution(patch), ...quoteAndComment(patch, stops, opts)];
  if (loose.length) {
    body.push(...(stops.length ? ["[ ... ]", ""] : [""]));
    for (const it of loose) {
      const f = it.finding;
      body.push(...wrap(`In ${f.file}${f.function ? `, ${f.function}()` : ""} (line ${f.line}), which this patch does not show:`), "");
      body.push(...comment(it, patch, opts), "");
    }
  }
  const rules = [...new Set(items.map((i) => i.finding.ruleId))];
  const context = items.every((i) => i.finding.context === "hunks") ? "the patch alone" : "the patch and the source tree it applies to";
  const silenceable = [...new Set(items.filter((i) => i.finding.status !== "fixed").map((i) => i.finding.ruleId))];
  body.push(...footer(rules, silenceable, opts, context));

  const { to, cc, dropped } = recipients(patch, opts.from);
  const references = replyReferences(patch);
  return {
    from: opts.from,
    to,
    cc,
    subject: replySubject(patch.subject || patch.title || "(no subject)"),
    ...(patch.messageId ? { inReplyTo: bracket(patch.messageId) } : {}),
    references,
    messageId: replyMessageId(patch, items.map((i) => i.finding), opts.from),
    date: opts.date,
    text: body.join("\n") + "\n",
    rules,
    title: patch.title || patch.subject,
    dropped,
  };
}
