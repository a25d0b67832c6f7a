// Which commits `lockreview check` checks when no range is given: the
// commits the branch adds, found the way a developer would find them.
//
//   1. the branch's upstream:             @{upstream}..HEAD
//   2. the series' own base, as b4 prep records it: the commits after b4's
//      cover-letter commit (an empty commit whose message carries
//      "--- b4-submit-tracking ---"), or after a `base-commit: <sha>` named
//      in a recent commit message (format-patch --base's line)
//   3. the remote's default branch:       $(git merge-base HEAD origin/HEAD)..HEAD
//   4. else the last commit only, saying so (a range names more).
//
// The series' base comes before origin/HEAD: a series rebased onto a
// maintainer's tree is based there, not on the remote's default branch.
import type { GitRepo } from "./repo.js";

/** b4 prep's marker in its cover-letter commit (b4/ez.py MAGIC_MARKER). */
const B4_TRACKING = "--- b4-submit-tracking ---";
/** Commit messages read for a series base: b4 keeps its cover commit at the branch's start. */
const RECENT = 100;

export interface DefaultRange {
  range: string;
  /** Why this range, for the one line the check prints. */
  why: string;
}

export async function defaultRange(repo: GitRepo): Promise<DefaultRange> {
  const up = await repo.upstream();
  if (up) return { range: `${up}..HEAD`, why: `the branch's upstream, ${up}` };
  const base = await seriesBase(repo);
  if (base) return base;
  if (await repo.resolveCommit("refs/remotes/origin/HEAD")) {
    const mb = await repo.mergeBase("HEAD", "refs/remotes/origin/HEAD");
    if (mb) return { range: `${mb.slice(0, 12)}..HEAD`, why: "the merge-base with origin/HEAD" };
  }
  if (await repo.resolveCommit("HEAD~1")) return { range: "HEAD~1..HEAD", why: "no upstream, series base or origin/HEAD: the last commit only; name a range to check more" };
  return { range: "HEAD^!", why: "the only commit" };
}

async function seriesBase(repo: GitRepo): Promise<DefaultRange | null> {
  for (const { sha, message } of await repo.recentMessages(RECENT)) {
    if (message.includes(B4_TRACKING)) return { range: `${sha.slice(0, 12)}..HEAD`, why: `the commits after b4's cover letter ${sha.slice(0, 12)}` };
    const m = /^base-commit: ([0-9a-f]{7,40})\s*$/m.exec(message);
    if (!m) continue;
    const base = await repo.resolveCommit(m[1]!);
    // Only a base this branch is built on: a stale line from another series says nothing.
    if (base && (await repo.mergeBase(base, "HEAD")) === base) return { range: `${base.slice(0, 12)}..HEAD`, why: `the series' base-commit: in ${sha.slice(0, 12)}` };
  }
  return null;
}
