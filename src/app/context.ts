// The source context of a pull request, like `lockreview review --tree`,
// through the API only: nothing is checked out, built or run.
//
//   1. `pulls.listFiles` gives each file's hunks (`patch`) and its blob SHA
//      at the head. A file without `patch` (binary, or too large for the API)
//      is reported, not reviewed.
//   2. For each touched C file: its head blob, and its pre-image rebuilt by
//      applying the file's diff in reverse. The PR diff is against the merge
//      base, not `base.sha` (the base branch may have moved since), so the
//      reverse application gives exactly the pre-image the diff was made
//      from, with half the requests of fetching both sides.
//   3. The driver's other files (`neighbourFiles()`: kbuild Makefile,
//      quoted includes, same-prefix files) from the head listing of the
//      file's directory; files the PR does not change are the same at the
//      merge base and the head.
//
// Everything is bounded (files, bytes, directories, time). A changed C file
// that does not fit, or whose blob could not be fetched, is reviewed from
// its hunks alone, and the summary says so.
import { posix } from "node:path";
import { applyFileDiff } from "../context/apply.js";
import { neighbourFiles } from "../context/neighbours.js";
import { MapProvider } from "../context/providers.js";
import { isCSource, type SourceProvider } from "../context/source.js";
import { DiffError, parseDiffText } from "../ingest/diff.js";
import type { FileDiff, FileStatus, Hunk, Patch } from "../model/patch.js";
import { describeError, type DirEntry, type PrFile } from "./github.js";

export interface ContextBounds {
  /** Blobs fetched per PR: changed C files, driver files and Makefiles. */
  maxFiles: number;
  /** Bytes fetched per PR. */
  maxBytes: number;
  /** Largest single file fetched (the kernel's largest drivers are ~0.5 MiB). */
  maxFileBytes: number;
  /** Directory listings per PR. */
  maxDirs: number;
  /** Requests in flight at once (GitHub allows 100 concurrent; be polite). */
  concurrency: number;
}

export const DEFAULT_BOUNDS: ContextBounds = {
  maxFiles: 80,
  maxBytes: 8 * 1024 * 1024,
  maxFileBytes: 1024 * 1024,
  maxDirs: 20,
  concurrency: 8,
};

/** The reads context gathering needs (an adapter over the API, a fake in tests). */
export interface ContentSource {
  listDir(dir: string, ref: string): Promise<DirEntry[] | null>;
  getBlob(sha: string): Promise<Buffer>;
}

export interface NotReviewed {
  path: string;
  reason: string;
}

export interface PrContext {
  /** C files with whole-file context (reviewed against `provider`). */
  treePatch: Patch | null;
  /** C files reviewed from their hunks only. */
  hunksPatch: Patch | null;
  /** The pre-image tree: pre-images of the tree-mode files and their driver files. */
  provider: MapProvider;
  /** Every parsed file diff of the PR (C or not), for anchors. */
  diffs: FileDiff[];
  /** Files of the PR that were not reviewed, and why. */
  notReviewed: NotReviewed[];
  /** Files reviewed from hunks only, and why. */
  hunksOnly: NotReviewed[];
  /** API problems that degraded the context (the review went on). */
  problems: string[];
  /** Notes for the summary (limits reached). */
  notes: string[];
  stats: { blobs: number; bytes: number; listings: number; neighbours: number };
}

const STATUS: Record<string, FileStatus> = { added: "added", removed: "deleted", renamed: "renamed", copied: "copied" };

/** The unified diff of one `listFiles` entry, parsed. Throws DiffError when its patch is malformed. */
export function prFileDiff(f: PrFile): FileDiff {
  const status = STATUS[f.status] ?? "modified";
  const oldPath = status === "added" ? null : (f.previous_filename ?? f.filename);
  const newPath = status === "deleted" ? null : f.filename;
  if (!f.patch) {
    return { oldPath, newPath, status, binary: false, hunks: [], additions: f.additions, deletions: f.deletions };
  }
  const head = [`diff --git a/${oldPath ?? newPath} b/${newPath ?? oldPath}`];
  if (status === "added") head.push("new file mode 100644");
  if (status === "deleted") head.push("deleted file mode 100644");
  if (status === "renamed") head.push(`rename from ${oldPath}`, `rename to ${newPath}`);
  head.push(oldPath ? `--- a/${oldPath}` : "--- /dev/null", newPath ? `+++ b/${newPath}` : "+++ /dev/null");
  const text = `${head.join("\n")}\n${f.patch.replace(/\r\n/g, "\n")}${f.patch.endsWith("\n") ? "" : "\n"}`;
  const parsed = parseDiffText(text);
  const fd = parsed.files[0];
  if (!fd || parsed.files.length !== 1) throw new DiffError(`the API's patch of ${f.filename} is not one file diff`);
  return fd;
}

/** The same change backwards (post → pre), to rebuild a pre-image from the head. */
export function reverseFileDiff(fd: FileDiff): FileDiff {
  const status: FileStatus = fd.status === "added" ? "deleted" : fd.status === "deleted" ? "added" : fd.status;
  const hunks: Hunk[] = fd.hunks.map((h) => ({
    ...h,
    oldStart: h.newStart,
    oldLines: h.newLines,
    newStart: h.oldStart,
    newLines: h.oldLines,
    ...(h.noNewlineNew ? { noNewlineOld: true } : { noNewlineOld: undefined }),
    ...(h.noNewlineOld ? { noNewlineNew: true } : { noNewlineNew: undefined }),
    changes: h.changes.map((c) =>
      c.kind === "add"
        ? { kind: "del" as const, content: c.content, oldLine: c.newLine }
        : c.kind === "del"
          ? { kind: "add" as const, content: c.content, newLine: c.oldLine }
          : { kind: "normal" as const, content: c.content, oldLine: c.newLine, newLine: c.oldLine },
    ),
  }));
  return { ...fd, oldPath: fd.newPath, newPath: fd.oldPath, status, hunks, additions: fd.deletions, deletions: fd.additions };
}

/** Text of a blob, or null when it is not text (NUL bytes: binary). */
export function blobText(buf: Buffer): string | null {
  if (buf.includes(0)) return null;
  return buf.toString("utf8");
}

/** Run `fn` over `items` with at most `n` in flight. */
export async function mapLimit<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

const dirOf = (p: string) => (posix.dirname(p) === "." ? "" : posix.dirname(p));

export interface GatherOptions {
  headSha: string;
  /** Subject and identity of the Patch objects (PR title, `owner/repo#n`). */
  title: string;
  source: string;
  body: string;
  bounds?: ContextBounds;
  /** True once the I/O share of the time budget is spent: stop fetching, fall back to hunks. */
  overBudget?: () => boolean;
  /** Blob cache shared across runs (content-addressed: a SHA is its content). */
  cache?: BlobCache;
  /** Paths in scope (config `paths:`). */
  inScope?: (path: string) => boolean;
}

/** A small LRU of blob texts by SHA, bounded in bytes. */
export class BlobCache {
  private readonly map = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(key: string): string | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, text: string): void {
    if (text.length > this.maxBytes / 4 || this.map.has(key)) return;
    this.map.set(key, text);
    this.bytes += text.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }
}

/** Gather the context of a PR. Never throws for a single file: it degrades and says why. */
export async function gatherContext(src: ContentSource, files: PrFile[], opts: GatherOptions): Promise<PrContext> {
  const bounds = opts.bounds ?? DEFAULT_BOUNDS;
  const overBudget = opts.overBudget ?? (() => false);
  const inScope = opts.inScope ?? (() => true);
  const notReviewed: NotReviewed[] = [];
  const hunksOnly: NotReviewed[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const diffs: FileDiff[] = [];
  const stats = { blobs: 0, bytes: 0, listings: 0, neighbours: 0 };

  // 1. Diffs.
  const cFiles: { f: PrFile; fd: FileDiff }[] = [];
  for (const f of files) {
    const isC = isCSource(f.filename) || isCSource(f.previous_filename);
    if (!f.patch) {
      const pureRename = f.status === "renamed" && f.changes === 0;
      if (!pureRename && f.status !== "unchanged") notReviewed.push({ path: f.filename, reason: "no diff from the API (binary, or too large)" });
      if (pureRename) diffs.push(prFileDiff(f));
      continue;
    }
    let fd: FileDiff;
    try {
      fd = prFileDiff(f);
    } catch (e) {
      notReviewed.push({ path: f.filename, reason: `its diff could not be read: ${(e as Error).message}` });
      continue;
    }
    diffs.push(fd);
    if (isC && inScope(f.filename)) cFiles.push({ f, fd });
  }

  // 2. Directory listings at the head (sizes and blob SHAs, for bounds and neighbours).
  let budgetFiles = bounds.maxFiles;
  let budgetBytes = bounds.maxBytes;
  const dirs = [...new Set(cFiles.map((c) => dirOf(c.fd.newPath ?? c.fd.oldPath!)))];
  const listings = new Map<string, DirEntry[]>();
  const listed = dirs.slice(0, bounds.maxDirs);
  if (dirs.length > listed.length) notes.push(`driver directories beyond ${bounds.maxDirs} were not listed`);
  if (!overBudget()) {
    await mapLimit(listed, bounds.concurrency, async (d) => {
      try {
        const entries = await src.listDir(d, opts.headSha);
        stats.listings++;
        listings.set(d, entries ?? []);
      } catch (e) {
        problems.push(`could not list ${d || "the top directory"} at ${opts.headSha.slice(0, 7)}: ${describeError(e)}`);
      }
    });
  }
  const entryOf = (path: string) => listings.get(dirOf(path))?.find((e) => e.path === path || e.name === posix.basename(path));

  const read = async (path: string, sha: string, size: number | undefined): Promise<{ text: string | null; why?: string }> => {
    const key = sha;
    const cached = opts.cache?.get(key);
    if (cached !== undefined) return { text: cached };
    if (overBudget()) return { text: null, why: "the time budget for fetching files was spent" };
    if (size !== undefined && size > bounds.maxFileBytes) return { text: null, why: `larger than ${Math.round(bounds.maxFileBytes / 1024)} KiB` };
    if (budgetFiles <= 0) return { text: null, why: `over the bound of ${bounds.maxFiles} files fetched per pull request` };
    if (size !== undefined && size > budgetBytes) return { text: null, why: `over the bound of ${Math.round(bounds.maxBytes / 1024)} KiB fetched per pull request` };
    budgetFiles--;
    budgetBytes -= size ?? 0;
    try {
      const buf = await src.getBlob(sha);
      if (size === undefined) budgetBytes -= buf.length;
      stats.blobs++;
      stats.bytes += buf.length;
      const text = blobText(buf);
      if (text === null) return { text: null, why: "binary content" };
      opts.cache?.set(key, text);
      return { text };
    } catch (e) {
      const why = `could not fetch ${path} at ${opts.headSha.slice(0, 7)}: ${describeError(e)}`;
      problems.push(why);
      return { text: null, why };
    }
  };

  // 3. Head texts and pre-images of the changed C files.
  const pre = new Map<string, string>();
  const treeFiles: FileDiff[] = [];
  const hunkFiles: FileDiff[] = [];
  const heads = new Map<string, string>();
  await mapLimit(cFiles, bounds.concurrency, async ({ f, fd }) => {
    const path = fd.newPath ?? fd.oldPath!;
    if (!listings.has(dirOf(path)) && fd.status !== "deleted") {
      hunksOnly.push({ path, reason: "its directory was not listed" });
      hunkFiles.push(fd);
      return;
    }
    let head: string | null = null;
    if (fd.status !== "deleted") {
      const e = entryOf(path);
      const sha = f.sha ?? e?.sha;
      if (!sha) {
        hunksOnly.push({ path, reason: "no blob at the head" });
        hunkFiles.push(fd);
        return;
      }
      const r = await read(path, sha, e?.size);
      if (r.text === null) {
        hunksOnly.push({ path, reason: r.why ?? "not fetched" });
        hunkFiles.push(fd);
        return;
      }
      head = r.text;
    }
    // The pre-image: the diff applied backwards to the head (or, for a
    // deletion, the removed lines themselves).
    const back = applyFileDiff(head, reverseFileDiff(fd));
    const before = back.ok ? back.text : null;
    const again = back.ok && fd.status !== "added" && before !== null ? applyFileDiff(before, fd) : null;
    if (fd.status !== "added" && (!back.ok || before === null || !again?.ok || (again.text ?? null) !== head)) {
      hunksOnly.push({ path, reason: "its diff does not match the file at the head" });
      hunkFiles.push(fd);
      return;
    }
    if (before !== null && fd.oldPath) pre.set(fd.oldPath, before);
    if (head !== null) heads.set(path, head);
    treeFiles.push(fd);
  });

  // 4. The driver's other files (unchanged by the PR), from the head listings.
  const changedPaths = new Set<string>();
  for (const fd of diffs) {
    if (fd.newPath) changedPaths.add(fd.newPath);
    if (fd.oldPath) changedPaths.add(fd.oldPath);
  }
  const extra = new Map<string, string>();
  const listingProvider: SourceProvider = {
    async read(path) {
      if (pre.has(path)) return pre.get(path)!;
      if (extra.has(path)) return extra.get(path)!;
      const e = entryOf(path);
      if (!e || e.type !== "file") return null;
      const r = await read(path, e.sha, e.size);
      if (r.text !== null) extra.set(path, r.text);
      return r.text;
    },
    async list(dir) {
      return (listings.get(dir) ?? []).filter((e) => e.type === "file").map((e) => e.name).sort();
    },
    describe: () => `the head ${opts.headSha.slice(0, 7)}`,
  };
  const wanted = new Set<string>();
  for (const fd of treeFiles) {
    const path = fd.newPath ?? fd.oldPath!;
    for (const n of await neighbourFiles(listingProvider, path, heads.get(path) ?? pre.get(path) ?? null)) if (!changedPaths.has(n)) wanted.add(n);
  }
  const skipped: string[] = [];
  await mapLimit([...wanted].sort(), bounds.concurrency, async (n) => {
    const text = await listingProvider.read(n);
    if (text === null) skipped.push(n);
    else stats.neighbours++;
  });
  if (skipped.length) notes.push(`driver files not read (bounds or errors): ${skipped.sort().slice(0, 10).join(", ")}${skipped.length > 10 ? ` and ${skipped.length - 10} more` : ""}`);

  // 5. The pre-image tree.
  const tree = new Map<string, string>([...extra, ...pre]);
  const provider = new MapProvider(tree, `the merge base of ${opts.source}`);
  const patch = (fds: FileDiff[]): Patch | null =>
    fds.length
      ? {
          source: opts.source,
          index: 1,
          kind: "diff",
          references: [],
          subject: opts.title,
          title: opts.title,
          tags: { raw: [], isPatch: false, rfc: false, resend: false, version: 1, prefixes: [] },
          to: [],
          cc: [],
          body: opts.body,
          trailers: [],
          files: fds,
          warnings: [],
          seriesKey: opts.source,
          commit: opts.headSha,
        }
      : null;
  const byPath = (a: FileDiff, b: FileDiff) => (a.newPath ?? a.oldPath!).localeCompare(b.newPath ?? b.oldPath!);
  hunksOnly.sort((a, b) => a.path.localeCompare(b.path));
  return { treePatch: patch(treeFiles.sort(byPath)), hunksPatch: patch(hunkFiles.sort(byPath)), provider, diffs, notReviewed, hunksOnly, problems, notes, stats };
}
