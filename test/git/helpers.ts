// Temporary git repositories for the check / hook tests, built from the
// hand-written xdev example (fixtures/examples/xdev). Nothing outside the
// temp directory is touched; the user's git configuration is not read.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../ingest/helpers.js";

export const XDEV = join(ROOT, "fixtures", "examples", "xdev");
export const XDEV_TREE = join(XDEV, "tree");
/** Patch 1 introduces lock-across-del-gendisk, patch 2 wq-flush-under-open-mutex. */
export const XDEV_SERIES = join(XDEV, "series");
/** The same two changes done without a deadlock. */
export const XDEV_CLEAN = join(XDEV, "clean-series");

// Variables that would point git at another repository (set when the tests
// themselves run from a git hook) or pull in the user's configuration. The
// CLI under test runs in this process and inherits process.env.
for (const k of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_PREFIX"]) {
  delete process.env[k];
}
process.env["GIT_CONFIG_NOSYSTEM"] = "1";
process.env["GIT_CONFIG_GLOBAL"] = "/dev/null";

const IDENTITY = {
  GIT_AUTHOR_NAME: "Ada Example",
  GIT_AUTHOR_EMAIL: "ada@example.org",
  GIT_COMMITTER_NAME: "Ada Example",
  GIT_COMMITTER_EMAIL: "ada@example.org",
  GIT_AUTHOR_DATE: "2026-11-22T17:19:53Z",
  GIT_COMMITTER_DATE: "2026-11-22T17:19:53Z",
};

export class TempRepo {
  readonly dir: string;

  constructor(prefix = "lockreview-git-") {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.git("init", "-q", "-b", "main");
    // git send-email and git am read the identity from the configuration too.
    this.git("config", "user.name", IDENTITY.GIT_AUTHOR_NAME);
    this.git("config", "user.email", IDENTITY.GIT_AUTHOR_EMAIL);
  }

  git(...args: string[]): string {
    return execFileSync("git", args, { cwd: this.dir, env: { ...process.env, ...IDENTITY }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  write(path: string, text: string): void {
    writeFileSync(join(this.dir, path), text);
  }

  commitAll(message: string): string {
    this.git("add", "-A");
    this.git("commit", "-q", "-m", message);
    return this.git("rev-parse", "HEAD").trim();
  }

  /** `git am` the format-patch files of a directory (cover letters skipped). */
  am(seriesDir: string): void {
    const files = readdirSync(seriesDir)
      .filter((f) => /^(v\d+-)?\d{4}-/.test(f) && !/-0000-|^0000-/.test(f))
      .sort()
      .map((f) => join(seriesDir, f));
    this.git("am", "-q", ...files);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A repository holding the xdev driver as its first commit. */
export function xdevRepo(): TempRepo {
  const r = new TempRepo();
  cpSync(XDEV_TREE, r.dir, { recursive: true });
  r.commitAll("xdev: initial driver");
  return r;
}

export function hasGit(): boolean {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
