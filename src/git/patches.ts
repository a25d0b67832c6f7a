// Patch objects from git: one per commit (`git log -p` over the commits of a
// range, in the order asked for), or one for uncommitted changes (`git diff
// --cached`, `git diff HEAD`). The diff text goes through the same parser as
// mail and format-patch input.
import { DiffError, parseDiffText } from "../ingest/diff.js";
import { parseSubject } from "../ingest/subject.js";
import { parseTrailers } from "../ingest/trailers.js";
import type { FileDiff, Patch } from "../model/patch.js";
import type { GitRepo } from "./repo.js";
import { STABLE_DIFF } from "./run.js";

// NUL cannot occur in a commit message as git log prints it, so it frames the
// header; the diff follows the second NUL.
const FORMAT = "--format=%x00%H %h%n%an%n%ae%n%aI%n%B%x00";

/**
 * Line numbers of `git log` output mean nothing to a user (checkpatch's `#n`
 * counts lines of the patch mail): keep none.
 */
function withoutPatchLines(files: FileDiff[]): FileDiff[] {
  for (const f of files) for (const h of f.hunks) for (const c of h.changes) delete c.patchLine;
  return files;
}

function commitPatch(header: string, diff: string, seriesKey: string): Patch {
  const [ids = "", name = "", email = "", date = "", ...msg] = header.split("\n");
  const [sha = "", short = sha.slice(0, 12)] = ids.split(" ");
  const message = msg.join("\n").replace(/\s+$/, "");
  const subject = message.split("\n")[0] ?? "";
  let files: FileDiff[];
  const warnings: string[] = [];
  try {
    files = withoutPatchLines(parseDiffText(diff).files);
  } catch (e) {
    if (!(e instanceof DiffError)) throw e;
    files = [];
    warnings.push(`diff could not be parsed: ${e.message}`);
  }
  const parsed = parseSubject(subject);
  return {
    source: short,
    index: 1,
    kind: files.length ? "patch" : "other",
    references: [],
    subject,
    title: parsed.title || subject,
    tags: parsed.tags,
    ...(name || email ? { author: { name, email } } : {}),
    ...(date ? { date } : {}),
    to: [],
    cc: [],
    body: message.split("\n").slice(1).join("\n").replace(/^\n+/, ""),
    trailers: parseTrailers(message),
    files,
    warnings,
    seriesKey,
    commit: sha,
  };
}

/** One Patch per commit, in the order given (`--no-walk=unsorted` keeps it). */
export async function commitPatches(repo: GitRepo, shas: string[], seriesKey = "git"): Promise<Patch[]> {
  if (!shas.length) return [];
  const out = await repo.run(["log", "--no-walk=unsorted", "--stdin", "--root", "-p", "--no-show-signature", "--encoding=UTF-8", ...STABLE_DIFF, FORMAT], shas.join("\n") + "\n");
  const parts = out.split("\0");
  const patches: Patch[] = [];
  // parts: "", header1, diff1, header2, diff2, …
  for (let i = 1; i + 1 < parts.length; i += 2) patches.push(commitPatch(parts[i]!, parts[i + 1]!, seriesKey));
  return patches;
}

export type WorkingChanges = "staged" | "worktree";

/**
 * Uncommitted changes as one patch against HEAD: `staged` is what `git
 * commit` would record (HEAD → index), `worktree` everything tracked that
 * differs from HEAD (what `git commit -a` would record). Untracked files are
 * not part of either (git diff does not show them).
 */
export async function workingPatch(repo: GitRepo, which: WorkingChanges, hasHead: boolean): Promise<Patch> {
  // Before the first commit there is no HEAD: compare with the empty tree.
  const base = hasHead ? "HEAD" : (await repo.run(["hash-object", "-t", "tree", "/dev/null"])).trim();
  const args = which === "staged" ? ["diff", "--cached", ...STABLE_DIFF, base, "--"] : ["diff", ...STABLE_DIFF, base, "--"];
  const diff = await repo.run(args);
  const subject = which === "staged" ? "staged changes (git diff --cached)" : "working tree changes (git diff HEAD)";
  let files: FileDiff[] = [];
  const warnings: string[] = [];
  try {
    files = withoutPatchLines(parseDiffText(diff).files);
  } catch (e) {
    if (!(e instanceof DiffError)) throw e;
    warnings.push(`diff could not be parsed: ${e.message}`);
  }
  return {
    source: which === "staged" ? "staged" : "worktree",
    index: 1,
    kind: "diff",
    references: [],
    subject,
    title: subject,
    tags: parseSubject("").tags,
    to: [],
    cc: [],
    body: "",
    trailers: [],
    files,
    warnings,
    seriesKey: which,
  };
}
