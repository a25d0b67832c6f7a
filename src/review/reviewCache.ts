// Reviews remembered by what they depend on. Without a tree, a patch's
// review is a function of its diff alone (the files and hunks; nothing of the
// mail): a series re-posted as v2 with some patches unchanged, a RESEND, the
// same patch mailed to two lists under two subjects — lore has them all. In
// linux-raid 2022, 121 of the 736 patches have the diff of an earlier one.
// Such a patch gets the earlier review, re-addressed to itself (source,
// Message-ID, subject, warnings), without a second parse.
//
// Only for hunks-only reviews: against a tree, a series' earlier patches are
// part of the context. Bounded: the oldest entries go first.
import { createHash } from "node:crypto";
import type { Patch } from "../model/patch.js";
import type { ReviewResult, Reviewer } from "./pipeline.js";

/** Reviews remembered (a few MB: the reports are small). */
export const REVIEW_CACHE_ENTRIES = 4096;

/** What a hunks-only review depends on: the kind and the diff of every file, line numbers of the mail aside. */
export function diffKey(patch: Patch): string {
  const h = createHash("sha1");
  h.update(`${patch.kind}\n`);
  for (const f of patch.files) {
    h.update(`${f.status}\0${f.oldPath ?? ""}\0${f.newPath ?? ""}\0${f.binary ? 1 : 0}\0${f.oldMode ?? ""}\0${f.newMode ?? ""}\0${f.hunks.length}\n`);
    for (const hk of f.hunks) {
      h.update(`${hk.header}\0${hk.noNewlineOld ? 1 : 0}${hk.noNewlineNew ? 1 : 0}\n`);
      for (const c of hk.changes) h.update(`${c.kind[0]}${c.oldLine ?? ""},${c.newLine ?? ""}\0${c.content}\n`);
    }
  }
  return h.digest("hex");
}

/** An earlier patch's review, given to `patch`. */
function readdress(r: ReviewResult, patch: Patch): ReviewResult {
  return {
    // The members in the order the reviewer writes them.
    report: {
      source: patch.source,
      messageId: patch.messageId ?? "",
      subject: patch.subject,
      findings: [...r.report.findings],
      ...(patch.commit ? { commit: patch.commit } : {}),
      ...(patch.warnings.length ? { warnings: [...patch.warnings] } : {}),
    },
    errors: r.errors.map((e) => ({ ...e, source: patch.source })),
    details: r.details,
  };
}

export class ReviewCache {
  private readonly map = new Map<string, Promise<ReviewResult>>();
  hits = 0;

  constructor(private readonly limit = REVIEW_CACHE_ENTRIES) {}

  /** `review(patch)`, or the review of an earlier patch with the same diff. */
  review(patch: Patch, review: (p: Patch) => Promise<ReviewResult>): Promise<ReviewResult> {
    const key = diffKey(patch);
    const earlier = this.map.get(key);
    if (earlier) {
      this.hits++;
      return earlier.then((r) => readdress(r, patch));
    }
    const p = review(patch);
    // A failed review is not remembered: the next patch tries again.
    p.catch(() => this.map.delete(key));
    this.map.set(key, p);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
    return p;
  }
}

/** A Reviewer that remembers hunks-only reviews. */
export function cachingReviewer(reviewer: Pick<Reviewer, "review">, cache = new ReviewCache()): Pick<Reviewer, "review"> & { cache: ReviewCache } {
  return { cache, review: (patch, opts) => (opts?.provider ? reviewer.review(patch, opts) : cache.review(patch, (p) => reviewer.review(p))) };
}
