// SourceProvider over git objects: the files of one commit (or any tree-ish),
// read through the repository's shared `git cat-file --batch`. Only the files
// the review asks for are read — the changed files and their driver's
// neighbours — never the whole tree.
import { safeRelative } from "../context/providers.js";
import type { SourceProvider } from "../context/source.js";
import { type CatFileBatch, parseTree } from "./catFile.js";

/** Regular files (not symlinks, submodules or directories), as DirectoryProvider lists them. */
const FILE_MODE = /^100(644|755|664)$/;

export class GitProvider implements SourceProvider {
  private readonly reads = new Map<string, Promise<string | null>>();
  private readonly lists = new Map<string, Promise<string[]>>();

  constructor(
    private readonly batch: CatFileBatch,
    /** A commit or tree id (full hex). */
    readonly rev: string,
    private readonly label = `commit ${rev.slice(0, 12)}`,
  ) {}

  read(path: string): Promise<string | null> {
    const rel = safeRelative(path);
    if (!rel) return Promise.resolve(null);
    let p = this.reads.get(rel);
    if (!p) {
      p = this.batch.get(`${this.rev}:${rel}`).then((o) => (o?.type === "blob" ? o.content.toString("utf8") : null));
      this.reads.set(rel, p);
    }
    return p;
  }

  list(dir: string): Promise<string[]> {
    const rel = dir === "" || dir === "." ? "" : safeRelative(dir.replace(/\/$/, ""));
    if (rel === null) return Promise.resolve([]);
    let p = this.lists.get(rel);
    if (!p) {
      p = this.batch.get(`${this.rev}:${rel}`).then((o) =>
        o?.type === "tree"
          ? parseTree(o.content, o.oid.length)
              .filter((e) => FILE_MODE.test(e.mode))
              .map((e) => e.name)
              .sort()
          : [],
      );
      this.lists.set(rel, p);
    }
    return p;
  }

  describe(): string {
    return this.label;
  }
}

/** The tree before a root commit: nothing. */
export class EmptyProvider implements SourceProvider {
  async read(): Promise<string | null> {
    return null;
  }
  async list(): Promise<string[]> {
    return [];
  }
  describe(): string {
    return "the empty tree";
  }
}
