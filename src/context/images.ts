// The source context of one patch: for each changed C file its pre-image
// and post-image views, and the unchanged files of the same driver. From a
// tree (directory, git commit, GitHub contents) the images are whole files
// (the patch applied in memory); without one, they are rebuilt from hunks.
import type { FileDiff, Patch } from "../model/patch.js";
import type { ContextKind } from "../model/review.js";
import { applyFileDiff, reverseFileDiff } from "./apply.js";
import { hunkViews } from "./hunks.js";
import { MAX_NEIGHBOUR_BYTES, neighbourFiles } from "./neighbours.js";
import { isCSource, type SourceProvider, type SourceView } from "./source.js";

export interface ChangedFile {
  /** Post-image path (pre-image path for deletions). */
  path: string;
  diff: FileDiff;
  pre: SourceView | null;
  post: SourceView | null;
}

export interface PatchContext {
  kind: ContextKind;
  changed: ChangedFile[];
  /** Unchanged driver files, the same in both images. */
  neighbours: SourceView[];
  /** Problems that did not stop the review (a hunk that does not apply …). */
  errors: string[];
  /** What the analysis could not see. */
  limitations: string[];
  /** Whole post-image texts by path, to update a series overlay. */
  postTexts: Map<string, string | null>;
}

export interface ContextOptions {
  /** Cap on neighbour files read per patch (bytes). */
  maxNeighbourBytes?: number;
  /** Skip neighbours (e.g. over an API budget). */
  noNeighbours?: boolean;
}

function fullView(path: string, text: string, kind: ContextKind): SourceView {
  return { path, text, context: kind };
}

/** Context of a patch from hunks only. */
export function hunksContext(patch: Patch): PatchContext {
  const changed: ChangedFile[] = [];
  const limitations: string[] = [];
  for (const fd of patch.files) {
    const path = fd.newPath ?? fd.oldPath;
    if (!isCSource(path) || fd.binary) continue;
    const { pre, post } = hunkViews(fd);
    changed.push({ path, diff: fd, pre, post });
  }
  if (changed.length) limitations.push("hunks only: code outside the patch's hunks (other functions, ops tables, struct definitions) was not visible");
  return { kind: "hunks", changed, neighbours: [], errors: [], limitations, postTexts: new Map() };
}

/** Pre- and post-image of a file diff that the tree already contains, or null. */
async function alreadyApplied(fd: FileDiff, before: string | null, provider: SourceProvider): Promise<{ pre: string; post: string } | null> {
  if (!fd.oldPath || !fd.newPath || fd.status === "added" || fd.status === "deleted" || !fd.hunks.length) return null;
  const now = fd.newPath === fd.oldPath ? before : await provider.read(fd.newPath);
  if (now === null) return null;
  const back = applyFileDiff(now, reverseFileDiff(fd));
  return back.ok && back.text !== null ? { pre: back.text, post: now } : null;
}

/**
 * Context of a patch against a tree: `provider` holds the pre-image (for a
 * series, the tree after the previous patches). Files whose hunks do not
 * apply fall back to hunks mode, with an error saying so.
 */
export async function treeContext(patch: Patch, provider: SourceProvider, opts: ContextOptions = {}): Promise<PatchContext> {
  const changed: ChangedFile[] = [];
  const errors: string[] = [];
  const limitations: string[] = [];
  const postTexts = new Map<string, string | null>();
  // Apply every file (C or not) so the series overlay stays right.
  for (const fd of patch.files) {
    const path = fd.newPath ?? fd.oldPath;
    if (!path || fd.binary) continue;
    const before = fd.oldPath && fd.status !== "added" ? await provider.read(fd.oldPath) : null;
    const r = applyFileDiff(before, fd);
    if (!r.ok) {
      // The tree may already contain the patch (format-patch output checked
      // in the checkout it came from, amended or rebased since): then the tree
      // is the post-image and undoing the patch gives the pre-image.
      const applied = await alreadyApplied(fd, before, provider);
      if (applied) {
        if (fd.status === "renamed" && fd.oldPath !== path) postTexts.set(fd.oldPath!, null);
        postTexts.set(path, applied.post);
        if (isCSource(path)) {
          changed.push({ path, diff: fd, pre: fullView(fd.oldPath!, applied.pre, "tree"), post: fullView(path, applied.post, "tree") });
        }
        continue;
      }
      errors.push(`${r.error} in ${provider.describe()}`);
      if (isCSource(path)) {
        const { pre, post } = hunkViews(fd);
        changed.push({ path, diff: fd, pre, post });
        limitations.push(`${path}: reviewed from hunks only (the patch does not apply to ${provider.describe()})`);
      }
      continue;
    }
    if (fd.oldPath && fd.oldPath !== fd.newPath && fd.status === "renamed") postTexts.set(fd.oldPath, null);
    postTexts.set(path, r.text);
    if (!isCSource(path)) continue;
    changed.push({
      path,
      diff: fd,
      pre: before !== null && fd.oldPath ? fullView(fd.oldPath, before, "tree") : null,
      post: r.text !== null ? fullView(path, r.text, "tree") : null,
    });
  }
  const neighbours: SourceView[] = [];
  if (!opts.noNeighbours) {
    const seen = new Set(changed.map((c) => c.path));
    for (const c of changed) if (c.diff.oldPath) seen.add(c.diff.oldPath);
    let bytes = 0;
    const budget = opts.maxNeighbourBytes ?? MAX_NEIGHBOUR_BYTES;
    for (const c of changed) {
      for (const n of await neighbourFiles(provider, c.path, c.post?.text ?? c.pre?.text ?? null)) {
        if (seen.has(n)) continue;
        seen.add(n);
        const text = await provider.read(n);
        if (text === null) continue;
        if (bytes + text.length > budget) {
          limitations.push(`driver files beyond ${Math.round(budget / 1024)} KiB were not read (first skipped: ${n})`);
          break;
        }
        bytes += text.length;
        neighbours.push(fullView(n, text, "tree"));
      }
    }
  }
  return { kind: "tree", changed, neighbours, errors, limitations, postTexts };
}
