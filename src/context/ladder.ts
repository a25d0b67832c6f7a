// The context ladder of one changed file, tried in order, as a maintainer
// (or `git am -3`, `b4 shazam`, the kernel test robot) gets context for a
// mailed patch:
//   tree   — the hunks apply to the tree's file (offsets allowed);
//   blob   — the diff's `index <pre>..` blob id names the exact pre-image in
//            the tree's repository (the working tree may hold another version);
//   fuzzy  — the hunks apply with fuzz (context that differs, whitespace);
//   hybrid — some hunks fit nowhere: the definitions they touch come from
//            the diff, everything else from the tree's file;
//   hunks  — the file is not in the tree: its hunks alone.
// Each rung says in one line what it did; no rung ends the review.
import { createHash } from "node:crypto";
import type { FileDiff } from "../model/patch.js";
import type { ContextKind } from "../model/review.js";
import { reverseFileDiff } from "./apply.js";
import { hunkViews } from "./hunks.js";
import { hybridImages } from "./hybrid.js";
import { allPlaced, DEFAULT_FUZZ, offsetsOf, placeHunks, type Placement } from "./placeHunks.js";
import type { SourceProvider, SourceView } from "./source.js";

export interface Rung {
  pre: SourceView | null;
  post: SourceView | null;
  context: ContextKind;
  /** One line for the patch's report. */
  note: string;
  /** The file after this patch for the series overlay (undefined: leave the overlay alone). */
  overlayText: string | null | undefined;
  /** What the analysis of this file could not see, for the findings it concerns. */
  limitation?: string;
}

export interface LadderOptions {
  blob?: (id: string) => Promise<string | null>;
}

/** git's blob id of a text (`git hash-object`), to check an abbreviated `index` id. */
export function blobId(text: string): string {
  const body = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function view(path: string, text: string, context: ContextKind, lineMap?: number[]): SourceView {
  return { path, text, context, ...(lineMap ? { lineMap } : {}) };
}

function fitNote(fd: FileDiff, p: Placement): string {
  const n = fd.hunks.length;
  const offsets = offsetsOf(fd, p);
  const fuzzed = p.hunks.filter((h) => h.fit === "fuzz").length;
  const bits: string[] = [];
  if (offsets.length) bits.push(`${offsets.length} of ${plural(n, "hunk")} at an offset (${[...new Set(offsets)].slice(0, 3).map((o) => (o > 0 ? `+${o}` : `${o}`)).join(", ")} lines)`);
  if (fuzzed) bits.push(`${fuzzed} with context that differs (fuzz)`);
  return bits.join(", ");
}

async function alreadyApplied(fd: FileDiff, before: string, provider: SourceProvider): Promise<{ pre: string; post: string } | null> {
  if (!fd.oldPath || !fd.newPath || fd.status === "deleted" || !fd.hunks.length) return null;
  const now = fd.newPath === fd.oldPath ? before : await provider.read(fd.newPath);
  if (now === null) return null;
  const back = placeHunks(now, reverseFileDiff(fd), { fuzz: 0 });
  return allPlaced(back) && back.text !== null ? { pre: back.text, post: now } : null;
}

/** Images of one changed file against `provider`, whose version of the file is `before`. */
export async function climb(fd: FileDiff, before: string | null, provider: SourceProvider, opts: LadderOptions = {}): Promise<Rung> {
  const path = (fd.newPath ?? fd.oldPath)!;
  const where = provider.describe();
  if (fd.status === "added") {
    const p = placeHunks(null, fd, { fuzz: 0 });
    return { pre: null, post: p.text !== null ? view(path, p.text, "tree") : null, context: "tree", note: "new file", overlayText: p.text };
  }
  // The exact pre-image, when the diff names it and the repository has it.
  let pre = before;
  let rung: "tree" | "blob" = "tree";
  let verified = false;
  if (fd.oldBlob) {
    if (before !== null && blobId(before).startsWith(fd.oldBlob)) verified = true;
    else if (opts.blob) {
      const b = await opts.blob(fd.oldBlob);
      if (b !== null) {
        pre = b;
        rung = "blob";
        verified = true;
      }
    }
  }
  if (pre === null) {
    const { pre: hp, post: hq } = hunkViews(fd);
    return {
      pre: hp, post: hq, context: "hunks", note: `not in ${where}: reviewed from its hunks`, overlayText: undefined,
      limitation: `${path}: not in ${where}; reviewed from its hunks only`,
    };
  }
  const oldPath = fd.oldPath ?? path;
  const exact = placeHunks(pre, fd, { fuzz: 0 });
  if (allPlaced(exact)) {
    const how = fitNote(fd, exact);
    const source = rung === "blob" ? `pre-image is blob ${fd.oldBlob} from the repository of ${where} (its working tree has another version)` : `applied to ${where}${verified ? " (pre-image matches the diff's blob id)" : ""}`;
    return {
      pre: view(oldPath, pre, rung, exact.oldMap),
      post: exact.text !== null ? view(path, exact.text, rung, exact.newMap) : null,
      context: rung, note: how ? `${source}; ${how}` : source, overlayText: exact.text,
    };
  }
  if (rung === "tree") {
    // The tree may already contain the patch (format-patch output checked in the checkout it came from).
    const done = await alreadyApplied(fd, pre, provider);
    if (done) {
      return { pre: view(oldPath, done.pre, "tree"), post: view(path, done.post, "tree"), context: "tree", note: `${where} already has this change: pre-image by reversing it`, overlayText: done.post };
    }
  }
  const fuzzy = placeHunks(pre, fd, { fuzz: DEFAULT_FUZZ });
  if (allPlaced(fuzzy)) {
    return {
      pre: view(oldPath, pre, "fuzzy", fuzzy.oldMap),
      post: fuzzy.text !== null ? view(path, fuzzy.text, "fuzzy", fuzzy.newMap) : null,
      context: "fuzzy", note: `applied to ${where} with fuzz: ${fitNote(fd, fuzzy)}`, overlayText: fuzzy.text,
      limitation: `${path}: applied with fuzz to ${where}; lines around the change may differ from the patch's tree`,
    };
  }
  const h = hybridImages(fd, pre, fuzzy);
  const placed = fuzzy.hunks.filter((x) => x.fit !== "failed").length;
  const failed = fd.hunks.length - placed;
  const how = fitNote(fd, fuzzy);
  const fns = h.fromDiff.filter((n) => !n.startsWith("__lockreview_hunk_")).slice(0, 4).map((n) => (/\s/.test(n) ? n : `${n}()`));
  const note =
    `reviewed against ${where}'s ${path}: ${placed} of ${plural(fd.hunks.length, "hunk")} applied${how ? ` (${how})` : ""}, ` +
    `${failed} from the diff only${fns.length ? ` (${fns.join(", ")})` : ""}`;
  return {
    pre: h.pre, post: h.post, context: "hybrid", note, overlayText: fuzzy.text,
    limitation: `${path}: ${fns.length ? fns.join(", ") : "some definitions"} seen from the diff only (${failed} ${failed === 1 ? "hunk does" : "hunks do"} not apply to ${where})`,
  };
}
