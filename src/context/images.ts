// The source context of one patch: for each changed C file its pre-image
// and post-image views, and the unchanged files of the same driver. From a
// tree (directory, git commit, GitHub contents) the images are whole files
// (the patch applied in memory); without one, they are rebuilt from hunks.
import type { FileDiff, Patch } from "../model/patch.js";
import type { ContextKind } from "../model/review.js";
import { dirname } from "node:path";
import type { FileContext } from "../model/review.js";
import { climb } from "./ladder.js";
import { hunkViews } from "./hunks.js";
import { MAX_NEIGHBOUR_BYTES, neighbourFiles } from "./neighbours.js";
import { isCSource, type SourceProvider, type SourceView } from "./source.js";

export interface ChangedFile {
  /** Post-image path (pre-image path for deletions). */
  path: string;
  diff: FileDiff;
  pre: SourceView | null;
  post: SourceView | null;
  /** The rung of the context ladder this file's images come from. */
  context: ContextKind;
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
  /** Per changed C file: the rung it was reviewed with and a one-line note. */
  files: FileContext[];
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
    changed.push({ path, diff: fd, pre, post, context: "hunks" });
  }
  if (changed.length) limitations.push("hunks only: code outside the patch's hunks (other functions, ops tables, struct definitions) was not visible");
  return { kind: "hunks", changed, neighbours: [], errors: [], limitations, postTexts: new Map(), files: [] };
}

export interface TreeContextOptions extends ContextOptions {
  /** A blob of the tree's repository by (abbreviated) id: the exact pre-image `git am -3` would use. */
  blob?: (id: string) => Promise<string | null>;
}

/**
 * Context of a patch against a tree: `provider` holds the pre-image (for a
 * series, the tree after the previous patches). Each changed file climbs
 * down the context ladder (ladder.ts) until it has images: applied exactly,
 * from its blob id, with fuzz, hybrid, or from its hunks alone. No file is
 * left unreviewed because a hunk does not apply.
 */
export async function treeContext(patch: Patch, provider: SourceProvider, opts: TreeContextOptions = {}): Promise<PatchContext> {
  const changed: ChangedFile[] = [];
  const errors: string[] = [];
  const limitations: string[] = [];
  const postTexts = new Map<string, string | null>();
  const files: FileContext[] = [];
  // Every file (C or not) is placed, so the series overlay stays right.
  for (const fd of patch.files) {
    const path = fd.newPath ?? fd.oldPath;
    if (!path || fd.binary) continue;
    const before = fd.oldPath && fd.status !== "added" ? await provider.read(fd.oldPath) : null;
    const rung = await climb(fd, before, provider, opts);
    if (fd.status === "renamed" && fd.oldPath && fd.oldPath !== path) postTexts.set(fd.oldPath, null);
    if (rung.overlayText !== undefined) postTexts.set(path, rung.overlayText);
    if (!isCSource(path)) continue;
    changed.push({ path, diff: fd, pre: rung.pre, post: rung.post, context: rung.context });
    files.push({ file: path, context: rung.context, note: rung.note });
    if (rung.limitation) limitations.push(rung.limitation);
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
  // A file missing from the tree whose directory still gives driver files is a hybrid, not hunks alone.
  for (const f of files) {
    if (f.context !== "hunks" || !neighbours.some((n) => dirname(n.path) === dirname(f.file))) continue;
    f.context = "hybrid";
    f.note += `, with the driver's other files from ${provider.describe()}`;
    const c = changed.find((x) => x.path === f.file);
    if (c) c.context = "hybrid";
  }
  return { kind: "tree", changed, neighbours, errors, limitations, postTexts, files };
}
