// The review stage: Patch → PatchReport. Ingest front-ends (CLI, git, GitHub)
// hand patches to a Reviewer; it owns context, C model, analysis and rules.
// (Stub until the engine and rules land: every patch gets an empty report.)
import type { Patch, InputError } from "../model/patch.js";
import type { PatchReport } from "../model/review.js";

export interface ReviewOptions {
  /** Source tree the series applies to (`--tree DIR`); hunks-only when absent. */
  tree?: string;
  /** Include `existing` findings (and suppressed ones). */
  all?: boolean;
}

export interface Reviewer {
  /**
   * Review one patch. Patches of one series must be given in series order
   * when a tree is used: each is applied on top of the previous ones.
   */
  review(patch: Patch): Promise<{ report: PatchReport; errors: InputError[] }>;
}

export async function createReviewer(_opts: ReviewOptions = {}): Promise<Reviewer> {
  return {
    async review(patch) {
      return {
        report: {
          source: patch.source,
          messageId: patch.messageId ?? "",
          subject: patch.subject,
          findings: [],
          ...(patch.commit ? { commit: patch.commit } : {}),
          ...(patch.warnings.length ? { warnings: patch.warnings } : {}),
        },
        errors: [],
      };
    },
  };
}
