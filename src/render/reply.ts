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
//   references plus the patch; To the author, Cc the patch's To and Cc.
import { createHash } from "node:crypto";
import type { FileDiff, Hunk, LineChange, Patch } from "../model/patch.js";
import type { Finding, PatchReport } from "../model/review.js";
import type { DiffResult } from "../review/differential.js";
import type { RuleFinding, RuleMeta } from "../review/rule.js";

/** Prose is wrapped here; mutt and vim's `tw` for mail use 72. */
export const WRAP = 72;
/** No line a reply writes (other than quoted diff lines) is longer. */
export const MAX_LINE = 78;
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
  /** Metadata of the rules, by id (title, docs path). */
  rules: ReadonlyMap<string, Pick<RuleMeta, "id" | "title" | "docs">>;
  /** Where false positives are reported (a URL or an address), when configured. */
  reportTo?: string;
  /** Base URL of lockreview's documentation, when configured (else the repository path is named). */
  docsUrl?: string;
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
}

// ---------------------------------------------------------------- addresses

export interface Address {
  name: string;
  address: string;
}

/** Split "Name <a@b>" / "a@b" into its parts (the Patch model keeps formatted strings). */
export function parseAddress(s: string): Address {
  const m = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(s);
  if (m) return { name: m[1]!.replace(/^"(.*)"$/, "$1"), address: m[2]! };
  return { name: "", address: s.trim() };
}

export function formatAddress(a: Address): string {
  if (!a.name) return a.address;
  const name = /[(),.:;<>@[\\\]"]/.test(a.name) ? `"${a.name.replace(/(["\\])/g, "\\$1")}"` : a.name;
  return `${name} <${a.address}>`;
}

const key = (a: string) => parseAddress(a).address.toLowerCase();

/** Recipients: To the author, Cc everyone the patch went to; deduplicated, minus the sender. */
export function recipients(patch: Patch, from: string): { to: string[]; cc: string[] } {
  const self = key(from);
  const seen = new Set<string>([self]);
  const take = (list: string[]) => {
    const out: string[] = [];
    for (const a of list) {
      const k = key(a);
      if (!k || !k.includes("@") || seen.has(k)) continue;
      seen.add(k);
      out.push(a);
    }
    return out;
  };
  const author = patch.author ? [formatAddress({ name: patch.author.name, address: patch.author.email })] : [];
  let to = take(author);
  let cc = take([...patch.to, ...patch.cc]);
  // No author (a bare diff) or the author is the sender: write to the lists.
  if (!to.length) [to, cc] = [cc.slice(0, 1), cc.slice(1)];
  return { to, cc };
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
export function comment(item: Item, opts: Pick<ReplyOptions, "rules">): string[] {
  const f = item.finding;
  const src = item.source;
  const title = opts.rules.get(f.ruleId)?.title ?? f.ruleId;
  const para = (s: string) => wrap(asciify(s));
  if (f.status === "fixed") {
    const what = f.message.replace(/^Fixed by this patch:\s*/, "");
    // The first sentence says what was wrong; the rest is the lockdep detail of a problem now gone.
    const first = /^(.*?[.)])(\s+[A-Z(]|$)/s.exec(what)?.[1] ?? what;
    return para(`This looks like it fixes an older problem (${lcfirst(title)}): ${first}`);
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
  const [first, ...more] = f.references;
  if (first) {
    out.push("");
    out.push(...para(`Seen before: ${first.title}`));
    out.push(first.url);
    for (const r of more.slice(0, 3)) {
      out.push(...wrap(asciify(`See also: ${r.title}`)));
      out.push(r.url);
    }
  }
  return out;
}

function attribution(patch: Patch): string {
  const who = patch.author ? formatAddress({ name: patch.author.name, address: patch.author.email }) : "";
  const when = patch.date ? `On ${rfc2822(new Date(patch.date))}, ` : "";
  if (!who) return when ? `${when}the patch said:` : "The patch said:";
  return `${when}${who} wrote:`;
}

function footer(rules: string[], silenceable: string[], opts: ReplyOptions, context: string): string[] {
  const docs = rules.map((id) => {
    const path = opts.rules.get(id)?.docs ?? `docs/rules/${id}.md`;
    return opts.docsUrl ? new URL(path, opts.docsUrl).href : path;
  });
  const report = opts.reportTo ? `, or report it at ${opts.reportTo}` : "";
  return [
    "-- ",
    ...wrap(`This review was generated by lockreview ${opts.toolVersion} from ${context} (rule${rules.length === 1 ? "" : "s"} ${rules.join(", ")}); it may be wrong.`),
    ...wrap(
      `If it is a false positive, please reply and say why${report}.${silenceable.length ? " To silence it in the code, put this on the reported line or the line above:" : ""}`,
    ),
    ...silenceable.map((id) => `  /* lockreview: ignore ${id} -- <reason> */`),
    ...wrap(`Rule documentation: ${docs.join(", ")}${opts.docsUrl ? "" : " in lockreview"}.`),
  ];
}

/** The reply to one patch, or null when it has nothing to say (no finding, or all silenced). */
export function composeReply(report: PatchReport, patch: Patch, details: DiffResult[] | undefined, opts: ReplyOptions): Reply | null {
  const items: Item[] = [];
  report.findings.forEach((f, i) => {
    if (f.suppressed) return;
    // details are in the order of report.findings; match by identity first.
    const d = details?.find((x) => x.finding === f) ?? (details?.[i]?.finding.ruleId === f.ruleId ? details[i] : undefined);
    items.push(d ? { finding: f, source: d.source } : { finding: f });
  });
  if (!items.length) return null;

  // Group by where they go; keep the patch's order of files, hunks and lines.
  const placed = new Map<string, { a: Anchor; items: Item[] }>();
  const loose: Item[] = [];
  for (const it of items) {
    const a = anchorOf(patch, it.finding, it.source);
    if (!a) {
      loose.push(it);
      continue;
    }
    const k = `${a.file}/${a.hunk}/${a.change}`;
    const g = placed.get(k) ?? { a, items: [] };
    g.items.push(it);
    placed.set(k, g);
  }
  const groups = [...placed.values()].sort((x, y) => x.a.file - y.a.file || x.a.hunk - y.a.hunk || x.a.change - y.a.change);
  // Within a place: introduced first, then existing, then fixed.
  const rank = { introduced: 0, existing: 1, fixed: 2 } as const;
  for (const g of groups) g.items.sort((x, y) => rank[x.finding.status] - rank[y.finding.status]);

  const body: string[] = [attribution(patch)];
  const elide = () => body.push("", "[ ... ]", "");
  let lastFile = -1;
  let lastHunk = -1;
  let pos = 0; // next change of the current hunk to quote
  for (const g of groups) {
    const fd = patch.files[g.a.file]!;
    const h = fd.hunks[g.a.hunk]!;
    if (g.a.file !== lastFile) {
      if (lastFile >= 0) elide();
      body.push(...fileHeader(fd));
      lastFile = g.a.file;
      lastHunk = -1;
    }
    if (g.a.hunk !== lastHunk) {
      if (lastHunk >= 0 || g.a.hunk > 0) elide();
      body.push(`> ${h.header}`);
      lastHunk = g.a.hunk;
      pos = 0;
    }
    // Quote the changed block that ends at the anchor (up to 2 * LEAD lines)
    // and up to CONTEXT lines before it; elide what lies between that and
    // what was already quoted, unless it is only a line or two.
    let start = g.a.change;
    while (start > pos && g.a.change - start < 2 * LEAD && h.changes[start - 1]!.kind !== "normal") start--;
    for (let n = 0; start > pos && n < CONTEXT; n++) start--;
    if (start - pos <= 2) start = pos;
    if (start > pos) elide();
    for (let i = start; i <= g.a.change; i++) body.push(quoteChange(h.changes[i]!));
    pos = g.a.change + 1;
    for (const it of g.items) body.push("", ...comment(it, opts));
    body.push("");
  }
  if (loose.length) {
    body.push(...(groups.length ? ["[ ... ]", ""] : [""]));
    for (const it of loose) {
      const f = it.finding;
      body.push(...wrap(`In ${f.file}${f.function ? `, ${f.function}()` : ""} (line ${f.line}), which this patch does not show:`), "");
      body.push(...comment(it, opts), "");
    }
  }
  const rules = [...new Set(items.map((i) => i.finding.ruleId))];
  const context = items.every((i) => i.finding.context === "hunks") ? "the patch alone" : "the patch and the source tree it applies to";
  const silenceable = [...new Set(items.filter((i) => i.finding.status !== "fixed").map((i) => i.finding.ruleId))];
  body.push(...footer(rules, silenceable, opts, context));

  const { to, cc } = recipients(patch, opts.from);
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
  };
}
