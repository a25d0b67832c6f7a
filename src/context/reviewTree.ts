// The tree a maintainer reviews mailed patches against: `--tree DIR` (their
// usual checkout), `--git-dir DIR` (a repository with the objects, bare or
// not), or both. When a repository is there, a patch's `base-commit:`
// trailer selects the files at that commit and the diff's `index` blob ids
// give exact pre-images, the way `git am -3` finds them, whatever version
// the working tree has checked out.
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { CatFileBatch } from "../git/catFile.js";
import { GitProvider } from "../git/provider.js";
import { git } from "../git/run.js";
import type { Patch } from "../model/patch.js";
import { DirectoryProvider } from "./providers.js";
import type { SourceProvider } from "./source.js";

export interface ReviewTreeOptions {
  tree?: string;
  gitDir?: string;
}

export class ReviewTree {
  private readonly bases = new Map<string, Promise<SourceProvider | null>>();

  private constructor(
    /** The working tree, or the repository's HEAD when only a git dir was given. */
    private readonly files: SourceProvider,
    private readonly objects: CatFileBatch | null,
  ) {}

  /** Open `--tree`/`--git-dir`; throws with a one-line message naming the directory. */
  static async open(opts: ReviewTreeOptions): Promise<ReviewTree> {
    let objects: CatFileBatch | null = null;
    if (opts.gitDir) {
      const dir = resolve(opts.gitDir);
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${opts.gitDir}: not a directory`);
      const gd = await git(["rev-parse", "--absolute-git-dir"], { cwd: dir }).catch(() => "");
      if (!gd.trim()) throw new Error(`${opts.gitDir}: not a git repository`);
      objects = new CatFileBatch(dir);
    } else if (opts.tree && isCheckoutTop(opts.tree)) {
      objects = new CatFileBatch(resolve(opts.tree));
    }
    let files: SourceProvider;
    if (opts.tree) files = await DirectoryProvider.open(opts.tree);
    else if (objects) {
      const head = await objects.get("HEAD^{commit}");
      if (!head) throw new Error(`${opts.gitDir}: has no HEAD commit to review against (give --tree too)`);
      files = new GitProvider(objects, head.oid, `${opts.gitDir} at ${head.oid.slice(0, 12)}`);
    } else throw new Error("no tree given");
    return new ReviewTree(files, objects);
  }

  /** Files a patch is reviewed against: its base-commit's when the repository has it, else the tree. */
  async baseFor(patch: Patch): Promise<SourceProvider> {
    const base = patch.trailers.find((t) => t.key.toLowerCase() === "base-commit")?.value.trim();
    if (!this.objects || !base || !/^[0-9a-f]{7,64}$/i.test(base)) return this.files;
    let p = this.bases.get(base);
    if (!p) {
      const objects = this.objects;
      p = objects.get(`${base}^{commit}`).then((o) => (o?.type === "commit" ? new GitProvider(objects, o.oid, `base-commit ${o.oid.slice(0, 12)}`) : null)).catch(() => null);
      this.bases.set(base, p);
    }
    return (await p) ?? this.files;
  }

  /** A blob by (abbreviated) id; null when the repository has none (or no repository). */
  blob = async (id: string): Promise<string | null> => {
    if (!this.objects || !/^[0-9a-f]{4,64}$/i.test(id)) return null;
    const o = await this.objects.get(id).catch(() => null);
    return o?.type === "blob" ? o.content.toString("utf8") : null;
  };

  get hasRepository(): boolean {
    return this.objects !== null;
  }

  describe(): string {
    return this.files.describe();
  }

  close(): void {
    this.objects?.close();
  }
}

/** `dir` is the top of a git checkout (not a directory inside some other repository). */
function isCheckoutTop(dir: string): boolean {
  return existsSync(join(dir, ".git"));
}
