// The `lockreview` check run of a head SHA: its conclusion, a summary in
// markdown, the checkpatch-style text kernel developers read every day, and
// annotations (at most 50 per request: the Checks API appends later batches).
import type { Patch } from "../model/patch.js";
import type { Finding, Severity } from "../model/review.js";
import { SEVERITY_RANK } from "../model/severity.js";
import { renderFinding } from "../render/text.js";
import { rank } from "./anchors.js";
import { code, inert } from "./comments.js";
import type { AppSettings, ConfigProblem } from "./config.js";
import { CONFIG_PATH } from "./config.js";
import { GITHUB_MAX_ANNOTATIONS_PER_REQUEST, GITHUB_MAX_CHECK_TEXT, type Annotation, type CheckOutput } from "./github.js";
import type { NotReviewed } from "./context.js";

export const CHECK_NAME = "lockreview";
/** `external_id` of our check runs: a finished review, a failed one, or one whose head moved. */
export const EXTERNAL_ID = { running: "lockreview:v1:running", reviewed: "lockreview:v1:reviewed", failed: "lockreview:v1:failed", superseded: "lockreview:v1:superseded" } as const;

export type Conclusion = "success" | "failure" | "neutral";

const LEVEL: Record<Severity, Annotation["annotation_level"]> = { error: "failure", warning: "warning", note: "notice" };
const ICON: Record<Severity, string> = { error: "❌ error", warning: "⚠️ warning", note: "ℹ️ note" };

export interface CheckInput {
  sha: string;
  /** `owner/repo#n`. */
  pr: string;
  /** Introduced and fixed findings of this run. */
  findings: Finding[];
  /** The patches reviewed (quotes diff lines in the text). */
  patches: Patch[];
  settings: AppSettings;
  treeFiles: number;
  hunksOnly: NotReviewed[];
  notReviewed: NotReviewed[];
  /** API and engine problems that degraded the review. */
  problems: string[];
  notes: string[];
  /** Problems of the default branch's configuration (defaults were used). */
  configProblems: string[];
  /** Problems of the configuration file as this PR changes it. */
  configChange: ConfigProblem[] | null;
  /** Paths an annotation may point at (files at the head). */
  annotatable: Set<string>;
  /** What happened to the review (posted, nothing new …). */
  reviewNote?: string;
  durationMs: number;
}

export function conclusionOf(findings: Finding[], s: AppSettings, configBroken: boolean): Conclusion {
  const introduced = findings.filter((f) => f.status === "introduced");
  if (configBroken) return "failure";
  const failing = s.failOn !== "none" && introduced.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[s.failOn as Severity]);
  if (failing && s.failCheckOnErrors) return "failure";
  return introduced.length ? "neutral" : "success";
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? "" : "s"}`;
}

function clip(s: string, max = GITHUB_MAX_CHECK_TEXT): string {
  if (s.length <= max) return s;
  const tail = "\n\n… (truncated)";
  return s.slice(0, max - tail.length) + tail;
}

export function titleOf(findings: Finding[], configBroken: boolean): string {
  const introduced = findings.filter((f) => f.status === "introduced");
  const n = (s: Severity) => introduced.filter((f) => f.severity === s).length;
  const parts = [n("error") ? plural(n("error"), "error") : "", n("warning") ? plural(n("warning"), "warning") : "", n("note") ? plural(n("note"), "note") : ""].filter(Boolean);
  const head = parts.length ? `${parts.join(", ")} introduced` : "No deadlock patterns introduced";
  return configBroken ? `${head}; ${CONFIG_PATH} is invalid` : head;
}

export function checkOutput(input: CheckInput): { conclusion: Conclusion; output: CheckOutput; annotations: Annotation[] } {
  const configBroken = !!input.configChange?.length;
  const conclusion = conclusionOf(input.findings, input.settings, configBroken);
  const introduced = input.findings.filter((f) => f.status === "introduced").sort(rank);
  const fixed = input.findings.filter((f) => f.status === "fixed");
  const s: string[] = [];
  const cFiles = input.treeFiles + input.hunksOnly.length;
  s.push(`lockreview reviewed ${code(input.pr)} at ${code(input.sha.slice(0, 7))}: ${plural(cFiles, "C file")}${input.hunksOnly.length ? ` (${input.treeFiles} with whole-file context, ${input.hunksOnly.length} from hunks only)` : cFiles ? " with whole-file context" : ""}, in ${(input.durationMs / 1000).toFixed(1)} s.`);
  if (introduced.length) {
    s.push("", "| | rule | where | function |", "|---|---|---|---|");
    for (const f of introduced) s.push(`| ${ICON[f.severity]} | ${code(f.ruleId)} | ${code(`${f.file}:${f.line}`)} | ${f.function ? code(`${f.function}()`) : ""} |`);
  }
  if (fixed.length) {
    s.push("", "**Fixed by this pull request:**");
    for (const f of fixed) s.push(`- ${code(f.ruleId)} in ${f.function ? code(`${f.function}()`) : code(f.file)}`);
  }
  if (input.reviewNote) s.push("", input.reviewNote);
  const list = (title: string, xs: NotReviewed[]) => {
    if (!xs.length) return;
    s.push("", `**${title}:**`);
    for (const x of xs.slice(0, 50)) s.push(`- ${code(x.path)}: ${inert(x.reason)}`);
    if (xs.length > 50) s.push(`- … and ${xs.length - 50} more`);
  };
  list("Reviewed from hunks only", input.hunksOnly);
  list("Not reviewed", input.notReviewed);
  if (input.configChange?.length) {
    s.push("", `**${CONFIG_PATH} as changed by this pull request is invalid:**`);
    for (const p of input.configChange) s.push(`- line ${p.line}: ${inert(p.message)}`);
  }
  if (input.configProblems.length) {
    s.push("", "**Configuration:**");
    for (const p of input.configProblems) s.push(`- ${inert(p)}`);
  }
  if (input.problems.length) {
    s.push("", "**Problems:**");
    for (const p of input.problems) s.push(`- ${inert(p)}`);
  }
  if (input.notes.length) {
    s.push("", "**Limits:**");
    for (const n of input.notes) s.push(`- ${inert(n)}`);
  }

  const blocks: string[] = [];
  for (const f of [...introduced, ...fixed]) {
    const patch = input.patches.find((p) => p.files.some((x) => x.newPath === f.file || x.oldPath === f.file));
    blocks.push(renderFinding(f, patch));
  }
  const i = { error: 0, warning: 0, note: 0 };
  for (const f of introduced) i[f.severity]++;
  blocks.push(`total: ${i.error} errors, ${i.warning} warnings, ${i.note} notes${fixed.length ? `, ${fixed.length} fixed` : ""}`);
  const text = "```text\n" + clip(blocks.join("\n\n"), GITHUB_MAX_CHECK_TEXT - 20).replace(/```/g, "'''") + "\n```";

  const annotations: Annotation[] = [];
  for (const f of introduced) {
    if (!input.annotatable.has(f.file) || f.line < 1) continue;
    annotations.push({
      path: f.file,
      start_line: f.line,
      end_line: f.line,
      annotation_level: LEVEL[f.severity],
      title: `${f.ruleId}${f.function ? ` in ${f.function}()` : ""}`,
      message: clip(`${f.message}${f.fix ? `\n\nFix: ${f.fix}` : ""}`, 64000),
      ...(f.scenario ? { raw_details: clip(f.scenario, 64000) } : {}),
    });
  }
  for (const p of input.configChange ?? []) {
    annotations.push({ path: CONFIG_PATH, start_line: p.line, end_line: p.line, annotation_level: "failure", title: "invalid lockreview configuration", message: p.message });
  }
  return { conclusion, output: { title: titleOf(input.findings, configBroken), summary: clip(s.join("\n")), text }, annotations };
}

/** Split annotations into the batches the Checks API accepts. */
export function batches<T>(xs: T[], n = GITHUB_MAX_ANNOTATIONS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
