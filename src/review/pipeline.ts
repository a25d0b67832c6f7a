// The review stage: Patch → PatchReport. Front-ends (CLI, git, GitHub)
// hand patches to a Reviewer; it owns context, C model, analysis, rules and
// the differential. A series is reviewed patch by patch, each on the tree
// the previous patches left (an overlay per series).
import { analyse, type Analysis } from "../analysis/program.js";
import { DEFAULT_CONFIG } from "../config/defaults.js";
import type { LockreviewConfig } from "../config/schema.js";
import { hunksContext, treeContext, type PatchContext } from "../context/images.js";
import { OverlayProvider } from "../context/providers.js";
import { ReviewTree } from "../context/reviewTree.js";
import type { SourceProvider } from "../context/source.js";
import { configKernelModel } from "../kernel/configured.js";
import type { KernelModel } from "../kernel/kernelModel.js";
import type { InputError, Patch } from "../model/patch.js";
import type { Finding, PatchReport } from "../model/review.js";
import { SEVERITY_RANK } from "../model/severity.js";
import { RULES } from "../../rules/index.js";
import { callsDrain } from "../analysis/teardown.js";
import { cModelLimits, imageProgram, ModelCache, reportModelNotes } from "./analyze.js";
import { changedLines, diffFindings, type DiffResult } from "./differential.js";
import { pathMatcher } from "./paths.js";
import type { Rule, RuleFinding } from "./rule.js";
import { applySuppressions } from "./suppress.js";

export interface ReviewOptions {
  /**
   * The maintainer's tree (`--tree DIR`); hunks-only when absent. Patches
   * need not apply to it exactly (see context/ladder.ts). A git checkout's
   * objects also give pre-images by blob id and base-commit.
   */
  tree?: string;
  /** A repository (bare or not) to find blobs and base commits in (`--git-dir DIR`). */
  gitDir?: string;
  /** Or any provider of the pre-image tree (git commit, GitHub contents). */
  provider?: SourceProvider;
  /** Include `existing` findings (and suppressed ones). */
  all?: boolean;
  /** Show note-level findings. */
  showNotes?: boolean;
  config?: LockreviewConfig;
  /** Where the configuration came from, for messages. */
  configSource?: string;
  /** Rules to run (default: all registered). */
  rules?: readonly Rule[];
  /**
   * Report findings a patch fixes (default true). Without them, a patch whose
   * post-image has no finding is done without analysing its pre-image: the
   * pre-image only tells introduced from existing and finds what was fixed.
   * The pre-send hook and --terse output drop fixed findings anyway.
   */
  fixed?: boolean;
}

export interface ReviewResult {
  report: PatchReport;
  errors: InputError[];
  /** Findings with the rule data renderers need (questions for replies …). */
  details: DiffResult[];
}

export interface PatchReviewOptions {
  /**
   * The exact pre-image of this patch (a git commit's parent for `lockreview
   * check`). It replaces the reviewer's tree and series overlay for this
   * patch only: the patch is applied to it, nothing is carried over.
   */
  provider?: SourceProvider;
}

export interface Reviewer {
  /**
   * Review one patch. Patches of one series must be given in series order
   * when a tree is used: each is applied on top of the previous ones.
   */
  review(patch: Patch, opts?: PatchReviewOptions): Promise<ReviewResult>;
  /** Release the tree's git process, if any. */
  close?(): void;
}

export function ruleSeverity(config: LockreviewConfig, rule: Rule, found: RuleFinding["severity"]): RuleFinding["severity"] | "off" {
  const s = config.rules[rule.meta.id];
  if (s === "off") return "off";
  return s ?? found;
}

export async function createReviewer(opts: ReviewOptions = {}): Promise<Reviewer> {
  const config = opts.config ?? DEFAULT_CONFIG;
  const kernel: KernelModel = await configKernelModel(config, opts.configSource);
  const tree = !opts.provider && (opts.tree || opts.gitDir) ? await ReviewTree.open({ tree: opts.tree, gitDir: opts.gitDir }) : null;
  const overlays = new Map<string, OverlayProvider>();
  const cache = new ModelCache(cModelLimits(config));
  const rules = (opts.rules ?? RULES).filter((r) => config.rules[r.meta.id] !== "off");
  const inScope = pathMatcher(config.paths.include, config.paths.exclude);
  const showNotes = opts.showNotes ?? config["show-notes"] ?? false;

  const program = (ctx: PatchContext, side: "pre" | "post") => imageProgram(ctx, side, cache);

  const runRules = (a: Analysis, image: "pre" | "post", kind: PatchContext["kind"], counterpart?: Analysis): RuleFinding[] => {
    const out: RuleFinding[] = [];
    for (const r of rules) {
      // With the other image: only the rules' comparisons (check() already ran without it).
      const found = counterpart ? (r.compare?.({ analysis: a, image, kind, counterpart }) ?? []) : r.check({ analysis: a, image, kind });
      for (const f of found) {
        const sev = ruleSeverity(config, r, f.severity);
        if (sev === "off") continue;
        out.push({ ...f, severity: sev });
      }
    }
    return out;
  };

  return {
    async review(patch: Patch, perPatch: PatchReviewOptions = {}): Promise<ReviewResult> {
      const report: PatchReport = {
        source: patch.source,
        messageId: patch.messageId ?? "",
        subject: patch.subject,
        findings: [],
        ...(patch.commit ? { commit: patch.commit } : {}),
        ...(patch.warnings.length ? { warnings: [...patch.warnings] } : {}),
      };
      const errors: InputError[] = [];
      const files = patch.files.filter((f) => inScope(f.newPath ?? f.oldPath ?? ""));
      if (!files.length || (patch.kind !== "patch" && patch.kind !== "diff")) return { report, errors, details: [] };
      const scoped: Patch = { ...patch, files };

      let ctx: PatchContext;
      if (perPatch.provider) {
        ctx = await treeContext(scoped, perPatch.provider);
      } else if (opts.provider || tree) {
        // A series is reviewed on the files the previous patches left, over
        // the base of its first patch (its base-commit when the repository has it).
        let overlay = overlays.get(patch.seriesKey);
        if (!overlay) overlays.set(patch.seriesKey, (overlay = new OverlayProvider(opts.provider ?? (await tree!.baseFor(patch)))));
        ctx = await treeContext(scoped, overlay, tree ? { blob: tree.blob } : {});
        for (const [p, t] of ctx.postTexts) overlay.changed.set(p, t);
      } else {
        ctx = hunksContext(scoped);
      }
      for (const e of ctx.errors) errors.push({ source: patch.source, message: e });
      if (ctx.files.length) report.contexts = ctx.files;
      if (!ctx.changed.length) return { report, errors, details: [] };
      // Hunks that mention no kernel API of the table (no lock, wait, work,
      // free, guard…) cannot give any rule a fact: skip the parse.
      if (ctx.kind === "hunks" && !ctx.changed.some((c) => [c.pre, c.post].some((v) => v && kernel.mentionsAny(v.text)))) {
        return { report, errors, details: [] };
      }

      const post = await program(ctx, "post");
      reportModelNotes(report, errors, [post]);
      const postAnalysis = analyse(post.files, kernel);
      const postFindings = runRules(postAnalysis, "post", ctx.kind);
      // Without fixed findings the pre-image only matters for what the post-image
      // found, or for a wait the patch deletes (rules compare the two images).
      if (!postFindings.length && opts.fixed === false && !deletesDrain(files)) return { report, errors, details: [] };
      const pre = await program(ctx, "pre");
      reportModelNotes(report, errors, [pre]);
      const preAnalysis = analyse(pre.files, kernel);
      const preFindings = dropSuperseded([...runRules(preAnalysis, "pre", ctx.kind), ...runRules(preAnalysis, "pre", ctx.kind, postAnalysis)]);
      const postAll = dropSuperseded([...postFindings, ...runRules(postAnalysis, "post", ctx.kind, preAnalysis)]);
      const rungOf = new Map(ctx.changed.flatMap((c) => [[c.path, c.context], ...(c.diff.oldPath ? [[c.diff.oldPath, c.context] as const] : [])]));
      const contextOf = (file: string) => rungOf.get(file) ?? ctx.kind;
      const diffs = diffFindings(preFindings, postAll, changedLines(files), contextOf, (id) => {
        const r = rules.find((x) => x.meta.id === id);
        return { references: r?.meta.incidents ?? [], fix: r?.meta.fix ?? "" };
      });
      const suppressed = applySuppressions(diffs, [...pre.views, ...post.views]);
      // A file the patch deletes takes its defects with it: removed code is not a fix.
      const deleted = new Set(files.filter((fd) => fd.status === "deleted" && fd.oldPath).map((fd) => fd.oldPath!));
      const shown = suppressed.filter(({ finding: f }) => {
        if (f.status === "fixed" && deleted.has(f.file)) return false;
        if (f.severity === "note" && !showNotes) return false;
        if (f.suppressed && !opts.all) return false;
        if (f.status === "existing" && !opts.all) return false;
        if (f.status === "fixed" && opts.fixed === false) return false;
        return true;
      });
      shown.sort((x, y) => order(x.finding, y.finding));
      // What the context could not see is said on the findings it concerns,
      // not on every patch (a clean patch reviewed from hunks needs no warning).
      for (const d of shown) if (ctx.limitations.length) d.finding.limitations = [...(d.finding.limitations ?? []), ...ctx.limitations];
      report.findings = shown.map((d) => d.finding);
      return { report, errors, details: shown };
    },
    close() {
      tree?.close();
      cache.close();
    },
  };
}

/** One image's findings without those another finding of the same rule supersedes. */
export function dropSuperseded(found: RuleFinding[]): RuleFinding[] {
  const gone = new Set(found.flatMap((f) => (f.supersedes ?? []).map((k) => `${f.ruleId}\0${k}`)));
  if (!gone.size) return found;
  return found.filter((f) => f.supersedes?.length || !gone.has(`${f.ruleId}\0${f.key}`));
}

/** Does the patch delete a line that waits for work (rules compare a teardown's waits across the images)? */
function deletesDrain(files: Patch["files"]): boolean {
  return files.some((fd) => fd.hunks.some((h) => h.changes.some((c) => c.kind === "del" && callsDrain(c.content))));
}

const STATUS_RANK = { introduced: 0, fixed: 1, existing: 2 } as const;

function order(a: Finding, b: Finding): number {
  return STATUS_RANK[a.status] - STATUS_RANK[b.status] || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.file.localeCompare(b.file) || a.line - b.line;
}
