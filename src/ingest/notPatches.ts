// Mail on a patch list that is about patches without being one, recognised
// so that it is counted ("not reviewed: 1 pull request, 2 pings …") instead
// of printed as broken input. Seen on a year of linux-block:
//
//   [GIT PULL] block fixes       git request-pull output: a branch to merge,
//                                perhaps with a merge diff of the whole pull
//   PING / quoting a patch       a reminder that quotes the patch ("> @@ …")
//   [PATCHES][RFC] rework x      a cover-like mail pointing at a branch
//                                ("git://…/vfs.git #work.x") instead of
//                                carrying the patches
import type { SubjectTags } from "../model/patch.js";

export type NotAPatch = "pull" | "ping" | "pointer";

/**
 * What the subject alone says the mail is: `[GIT PULL]`, `[PULL]`, `[GIT PULL
 * v2]` are pull requests whatever else the tag says; a "ping" tag or a
 * "Ping:" before the first tag (`[PING] [PATCH]`, `PING: [PATCH v2] …`) is a
 * reminder. Undefined for anything else.
 */
export function subjectNotAPatch(tags: SubjectTags, title: string): NotAPatch | undefined {
  if (tags.raw.some((r) => /(^|[\s,/])pull($|[\s,/])/i.test(r))) return "pull";
  if (tags.prefixes.some((w) => /^ping$/i.test(w)) || /^ping\b/i.test(title)) return "ping";
  return undefined;
}

// Quoted diff lines, as a reply or a ping quotes a patch: "> diff --git",
// "> @@ -1,2 +1,3 @@", "> +++ b/x". Three of them: one could be prose.
const QUOTED_DIFF = /^>[ >]*(diff --git |@@ -\d|\+\+\+ |--- a\/)/;

// Where a branch lives: git://…, https URLs of a repository (…/x.git,
// git.kernel.org/pub/scm/…), "the Git repository at:" of git request-pull.
const BRANCH_URL = /\bgit:\/\/\S|\bhttps?:\/\/\S+\.git\b|\bgit\.kernel\.org\/pub\/scm\/|available in the Git repository at/i;

/**
 * What a PATCH-tagged mail without a diff is, from its body: a ping when it
 * quotes a diff, a pointer when it names a branch; undefined when it is a
 * patch that lost its diff (an error).
 */
export function bodyNotAPatch(body: string): NotAPatch | undefined {
  const lines = body.split("\n");
  let quoted = 0;
  for (const l of lines) if (QUOTED_DIFF.test(l) && ++quoted >= 3) return "ping";
  if (lines.some((l) => BRANCH_URL.test(l))) return "pointer";
  return undefined;
}
