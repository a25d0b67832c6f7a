// Markdown bodies of the app's review comments and review summary, and the
// hidden markers that identify them later. A marker carries the finding's
// line-independent fingerprint (rule + function + lock classes + what is
// waited for; see review/differential.ts), so a finding that moves when the
// PR is pushed again is recognised as already posted — in the spirit of
// Semgrep's match_based_id and CodeQL's primaryLocationLineHash.
import type { Finding } from "../model/review.js";
import { RULES_BY_ID } from "../../rules/index.js";

const MARKER = /<!-- lockreview:v1 rule=([A-Za-z0-9_.-]+) fp=([0-9a-f]{16}) -->/g;
const REVIEW_MARKER = /<!-- lockreview:v1 review sha=([0-9a-f]{7,64}) -->/;

export function findingMarker(f: Finding): string {
  return `<!-- lockreview:v1 rule=${f.ruleId} fp=${f.fingerprint ?? "0000000000000000"} -->`;
}

/** Fingerprints of every finding marker in a body. */
export function markersIn(body: string | null | undefined): { rule: string; fp: string }[] {
  const out: { rule: string; fp: string }[] = [];
  if (!body) return out;
  for (const m of body.matchAll(MARKER)) out.push({ rule: m[1]!, fp: m[2]! });
  return out;
}

export function reviewMarker(sha: string): string {
  return `<!-- lockreview:v1 review sha=${sha} -->`;
}

/** The head SHA a review of ours was made for, or null when the body is not ours. */
export function reviewShaIn(body: string | null | undefined): string | null {
  return body ? (REVIEW_MARKER.exec(body)?.[1] ?? null) : null;
}

const LABEL = { error: "Error", warning: "Warning", note: "Note" } as const;

/** Text from C code, paths and rule messages, made inert in markdown: no HTML, no @-mentions. */
export function inert(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/@(?=\w)/g, "@\u200b");
}

/** A code span that survives backticks in its content. */
export function code(s: string): string {
  const ticks = s.includes("`") ? "``" : "`";
  return `${ticks}${s.includes("`") ? ` ${s} ` : s}${ticks}`;
}

function link(title: string, url: string): string {
  const safeUrl = /^https?:\/\/[^\s()<>]+$/.test(url) ? url : "";
  const text = inert(title).replace(/([[\]])/g, "\\$1");
  return safeUrl ? `[${text}](${safeUrl})` : text;
}

/** Context a finding was analysed with, in a reviewer's words. */
export function contextText(f: Finding, sha: string): string {
  const at = sha ? ` at ${sha.slice(0, 7)}` : "";
  if (f.context === "tree") return `whole files and the driver's other files${at}`;
  if (f.context === "file") return `whole file${at}`;
  return "the diff hunks only";
}

export interface CommentOptions {
  /** Head SHA analysed. */
  sha: string;
  /** File-level comment: the finding's line is outside the PR's diff. */
  outsideDiff?: boolean;
}

/** The body of one review comment (inline or file-level). */
export function findingComment(f: Finding, opts: CommentOptions): string {
  const rule = RULES_BY_ID.get(f.ruleId);
  const out: string[] = [];
  const where = f.function ? ` in ${code(`${f.function}()`)}` : "";
  out.push(`**${LABEL[f.severity]}** · ${code(f.ruleId)}${rule ? ` · ${inert(rule.meta.title)}` : ""}`);
  if (opts.outsideDiff) out.push("", `Line ${f.line}${where}, outside this pull request's diff:`);
  out.push("", inert(f.message));
  if (f.severity === "error" && f.scenario) out.push("", "```text", f.scenario.replace(/```/g, "'''").replace(/\n+$/, ""), "```");
  if (f.trace.length) {
    out.push("", "<details><summary>Lock chain</summary>", "");
    for (const t of f.trace) out.push(`- ${code(`${t.file}:${t.line}`)}${t.function ? ` ${code(`${t.function}()`)}` : ""}: ${inert(t.note)}`);
    out.push("", "</details>");
  }
  if (f.fix) out.push("", `**Fix:** ${inert(f.fix)}`);
  if (f.references.length) {
    out.push("", "**Seen before:**");
    for (const r of f.references) out.push(`- ${link(r.title, r.url)}`);
  }
  const bits = [`confidence: ${f.confidence ?? "medium"}`, `context: ${contextText(f, opts.sha)}`];
  out.push("", `<sub>lockreview · ${bits.join(" · ")}</sub>`);
  for (const l of f.limitations ?? []) out.push(`<sub>limitation: ${inert(l)}</sub>`);
  out.push("", findingMarker(f));
  return out.join("\n");
}

/** One line for a finding listed in the review body (not anchored on the diff). */
export function findingLine(f: Finding): string {
  const fn = f.function ? ` ${code(`${f.function}()`)}` : "";
  return `- **${LABEL[f.severity]}** ${code(f.ruleId)} at ${code(`${f.file}:${f.line}`)}${fn}: ${inert(f.message)} ${findingMarker(f)}`;
}

export interface ReviewBodyInput {
  sha: string;
  /** New findings by where they are shown. */
  inline: Finding[];
  file: Finding[];
  body: Finding[];
  /** Findings this PR fixes. */
  fixed: Finding[];
  /** Introduced findings already posted earlier (not repeated). */
  alreadyPosted: number;
  hunksOnly: { path: string; reason: string }[];
  notReviewed: { path: string; reason: string }[];
}

/** The review's own body: counts, what is not on the diff, what the review could not see. */
export function reviewBody(r: ReviewBodyInput): string {
  const out: string[] = [];
  const all = [...r.inline, ...r.file, ...r.body];
  const n = (s: Finding["severity"]) => all.filter((f) => f.severity === s).length;
  const counts = [n("error") ? `${n("error")} error${n("error") === 1 ? "" : "s"}` : "", n("warning") ? `${n("warning")} warning${n("warning") === 1 ? "" : "s"}` : "", n("note") ? `${n("note")} note${n("note") === 1 ? "" : "s"}` : ""].filter(Boolean);
  out.push(
    counts.length
      ? `**lockreview** found ${counts.join(", ")} introduced by this pull request (at ${code(r.sha.slice(0, 7))}).`
      : `**lockreview** reviewed ${code(r.sha.slice(0, 7))}.`,
  );
  const where: string[] = [];
  if (r.inline.length) where.push(`${r.inline.length} on the diff`);
  if (r.file.length) where.push(`${r.file.length} on files, outside the diff`);
  if (where.length) out.push("", `Comments: ${where.join(", ")}.`);
  if (r.alreadyPosted) out.push("", `${r.alreadyPosted} finding${r.alreadyPosted === 1 ? " was" : "s were"} already reported on an earlier push and ${r.alreadyPosted === 1 ? "is" : "are"} not repeated.`);
  if (r.body.length) {
    out.push("", "**Not on the diff of this pull request:**");
    for (const f of r.body) out.push(findingLine(f));
  }
  if (r.fixed.length) {
    out.push("", "**Fixed by this pull request:**");
    for (const f of r.fixed) out.push(`- ${code(f.ruleId)} in ${f.function ? code(`${f.function}()`) : code(f.file)}`);
  }
  if (r.hunksOnly.length) out.push("", `Reviewed from the diff hunks only: ${r.hunksOnly.map((h) => `${code(h.path)} (${inert(h.reason)})`).slice(0, 10).join(", ")}${r.hunksOnly.length > 10 ? ", …" : ""}.`);
  if (r.notReviewed.length) out.push("", `Not reviewed: ${r.notReviewed.map((h) => `${code(h.path)} (${inert(h.reason)})`).slice(0, 10).join(", ")}${r.notReviewed.length > 10 ? ", …" : ""}.`);
  out.push("", "The **lockreview** check run has the full report.", "", reviewMarker(r.sha));
  return out.join("\n");
}
