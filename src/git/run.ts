// Running `git` itself (no repository library): lockreview reads what the
// user's own git sees — worktrees, detached HEAD, core.hooksPath, alternates,
// partial clones — with none of it re-implemented.
import { execFile } from "node:child_process";

/** git failed: `message` is git's own first line without "fatal: " / "error: ". */
export class GitError extends Error {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly status: number | null,
  ) {
    super(message);
    this.name = "GitError";
  }
}

/**
 * Options that make output parseable whatever the user's configuration says:
 * no colour, no external diff drivers or textconv, fixed a/ b/ prefixes, paths
 * not octal-quoted, empty context lines kept as " " (diff.suppressBlankEmpty
 * would turn them into "" and break hunk line counts).
 */
export const STABLE_CONFIG = ["-c", "core.quotePath=false", "-c", "diff.suppressBlankEmpty=false", "-c", "color.ui=false"];
export const STABLE_DIFF = ["--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative", "-M"];

export interface GitOptions {
  cwd: string;
  /** Written to git's standard input. */
  input?: string;
  /** Up to 1 GiB by default: a long range's `git log -p` can be large. */
  maxBuffer?: number;
}

/** Run git and return its standard output; throws GitError with git's message on failure. */
export function git(args: readonly string[], opts: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      [...STABLE_CONFIG, ...args],
      { cwd: opts.cwd, maxBuffer: opts.maxBuffer ?? 1 << 30, encoding: "utf8", env: process.env },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { code?: number | string };
        if (e.code === "ENOENT") return reject(new GitError("git is not installed (no 'git' on PATH)", args, null));
        reject(new GitError(gitMessage(stderr) || e.message, args, typeof e.code === "number" ? e.code : null));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** The first meaningful line of git's stderr, without its "fatal: " prefix. */
export function gitMessage(stderr: string): string {
  const line = stderr.split("\n").map((l) => l.trim()).find((l) => l && !l.startsWith("hint:")) ?? "";
  return line.replace(/^(fatal|error|warning): /, "");
}
