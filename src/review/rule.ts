// Rule anatomy (after ESLint / typescript-eslint): `meta` plus a pure
// `check` that asks the analysis for facts and returns findings. A rule
// never reads files, parses C or talks to GitHub.
import type { Analysis } from "../analysis/program.js";
import type { ContextKind, Reference, Severity, TraceStep } from "../model/review.js";

export interface RuleMeta {
  /** Stable id: tests, configuration and users depend on it. */
  id: string;
  title: string;
  /** Incident family of KNOWN-INCIDENTS.md (F1 … F4, or "lock-order"). */
  family: string;
  defaultSeverity: Severity;
  /** One sentence starting with a verb ("Disallow …"). */
  description: string;
  /** Path of the rule's documentation in this repository. */
  docs: string;
  /** The real incidents this rule repeats. */
  incidents: Reference[];
  /** The fix shape that worked before. */
  fix: string;
}

export interface RuleContext {
  analysis: Analysis;
  image: "pre" | "post";
  kind: ContextKind;
}

export interface RuleFinding {
  ruleId: string;
  severity: Severity;
  confidence: "high" | "medium" | "low";
  file: string;
  line: number;
  function: string;
  message: string;
  /** The same finding phrased as a reviewer's question (reply emails). */
  question: string;
  trace: TraceStep[];
  /** lockdep-style "Possible unsafe locking scenario". */
  scenario?: string;
  /** Identity without line numbers: function, lock classes, what is waited for. */
  key: string;
  /** Function names along the chain (refines `key` when matching pre and post). */
  pathKey: string;
  /** Every place of the chain, for anchoring on a changed line. */
  chain: { file: string; line: number }[];
  limitations?: string[];
  /** Overrides the rule's general fix text. */
  fix?: string;
  /**
   * Keys of this rule's check() findings in the same image that report the
   * same defect less precisely (a compare() finding naming the removed
   * destroy_workqueue() replaces "allocated but never destroyed" at the
   * allocation): those are dropped, so one defect gets one finding.
   */
  supersedes?: string[];
}

/** A rule's view of both images: what one image does that the other does not. */
export interface CompareContext extends RuleContext {
  /** The other image (the post-image when checking the pre-image, and the reverse). */
  counterpart: Analysis;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): RuleFinding[];
  /**
   * Findings of this image that only the other image reveals: a fix that
   * adds cancel_work_sync() to ->remove() says the pre-image's ->remove()
   * did not wait for that work, even when the diff shows nothing else of
   * it. Runs once per image after check(); its findings go through the
   * same differential (same keys on both sides mean existing).
   */
  compare?(ctx: CompareContext): RuleFinding[];
}
