// A git checkout as lockreview sees it: its top level, revisions, commits of
// a range, and providers of the files at any commit. All through `git`.
import { isAbsolute, resolve } from "node:path";
import { CatFileBatch } from "./catFile.js";
import { EmptyProvider, GitProvider } from "./provider.js";
import { git, GitError } from "./run.js";
import type { SourceProvider } from "../context/source.js";

/** Not inside a git checkout (or git is missing): the caller makes it a one-line usage error. */
export class NotARepositoryError extends Error {
  constructor(readonly dir: string, reason: string) {
    super(reason);
    this.name = "NotARepositoryError";
  }
}

export interface CommitInfo {
  sha: string;
  parents: string[];
}

export class GitRepo {
  readonly batch: CatFileBatch;
  private readonly providers = new Map<string, SourceProvider>();

  private constructor(
    /** Top of the working tree (absolute). */
    readonly top: string,
  ) {
    this.batch = new CatFileBatch(top);
  }

  /** The checkout containing `dir`. Throws NotARepositoryError when there is none. */
  static async open(dir: string): Promise<GitRepo> {
    let out: string;
    try {
      out = await git(["rev-parse", "--show-toplevel"], { cwd: dir });
    } catch (e) {
      const msg = e instanceof GitError ? e.message : (e as Error).message;
      throw new NotARepositoryError(dir, /not a git repository/i.test(msg) ? "not a git repository" : msg);
    }
    const top = out.trim();
    // A bare repository (or being inside .git) has no working tree.
    if (!top) throw new NotARepositoryError(dir, "no working tree (a bare repository?)");
    return new GitRepo(top);
  }

  run(args: readonly string[], input?: string): Promise<string> {
    return git(args, { cwd: this.top, ...(input !== undefined ? { input } : {}) });
  }

  /** Full commit id of a revision, or null when it does not name a commit. */
  async resolveCommit(rev: string): Promise<string | null> {
    if (rev.startsWith("-")) return null;
    try {
      return (await this.run(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`])).trim() || null;
    } catch {
      return null;
    }
  }

  /** A commit and its first parent (null for a root commit); null when `rev` names no commit here. */
  async commitWithParent(rev: string): Promise<{ sha: string; parent: string | null } | null> {
    if (rev.startsWith("-") || !/^[0-9a-f]{4,64}$/i.test(rev)) return null;
    try {
      const [sha, parent] = (await this.run(["rev-list", "--parents", "-n", "1", "--end-of-options", rev, "--"])).trim().split(" ");
      return sha ? { sha, parent: parent ?? null } : null;
    } catch {
      return null;
    }
  }

  /** Sizes in bytes of objects (`<rev>:<path>` …); 0 for those that do not exist. One git call. */
  async sizes(names: string[]): Promise<number[]> {
    if (!names.length) return [];
    const safe = names.map((n) => n.replace(/\n/g, ""));
    const out = await this.run(["cat-file", "--batch-check=%(objectsize)"], safe.join("\n") + "\n");
    return out.split("\n").slice(0, names.length).map((l) => (/^\d+$/.test(l) ? Number(l) : 0));
  }

  /** The branch's upstream (`@{upstream}`), or null when none is set (or HEAD is detached). */
  async upstream(): Promise<string | null> {
    try {
      return (await this.run(["rev-parse", "--verify", "--quiet", "--symbolic-full-name", "@{upstream}"])).trim() || null;
    } catch {
      return null;
    }
  }

  /** The best common ancestor of two revisions, or null when they share none. */
  async mergeBase(a: string, b: string): Promise<string | null> {
    try {
      return (await this.run(["merge-base", "--end-of-options", a, b])).trim() || null;
    } catch {
      return null;
    }
  }

  /** The messages of the last `n` commits reachable from HEAD, newest first (one git call). */
  async recentMessages(n: number): Promise<{ sha: string; message: string }[]> {
    let out: string;
    try {
      out = await this.run(["log", `-n${n}`, "--format=%H%x00%B%x00", "HEAD", "--"]);
    } catch {
      return [];
    }
    const parts = out.split("\0");
    const res: { sha: string; message: string }[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) res.push({ sha: parts[i]!.trim(), message: parts[i + 1]! });
    return res;
  }

  /**
   * Commits of a revision range, oldest first (parents before children), with
   * their parents. Throws GitError with git's message for a bad range.
   */
  async commits(range: string): Promise<CommitInfo[]> {
    const out = await this.run(["rev-list", "--reverse", "--topo-order", "--parents", "--end-of-options", range, "--"]);
    return out
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [sha, ...parents] = l.split(" ");
        return { sha: sha!, parents };
      });
  }

  /** Files at a commit (or tree); the empty tree for null (before a root commit). */
  at(rev: string | null): SourceProvider {
    if (rev === null) return new EmptyProvider();
    let p = this.providers.get(rev);
    if (!p) this.providers.set(rev, (p = new GitProvider(this.batch, rev)));
    return p;
  }

  /** `git rev-parse --git-path <name>`, absolute: respects core.hooksPath and linked worktrees. */
  async gitPath(name: string): Promise<string> {
    const p = (await this.run(["rev-parse", "--git-path", name])).trim();
    return isAbsolute(p) ? p : resolve(this.top, p);
  }

  close(): void {
    this.batch.close();
  }
}
