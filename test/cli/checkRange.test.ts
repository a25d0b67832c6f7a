// Which commits `lockreview check` picks with no range (issue 13: a
// two-commit branch without an upstream was checked as "1 commit"): the
// upstream, the series' base as b4 prep or format-patch --base record it,
// or the merge-base with origin/HEAD — and the range is always said.
import { afterEach, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TempRepo, XDEV_SERIES, hasGit, xdevRepo } from "../git/helpers.js";
import { cli } from "./helpers.js";

const checked = (out: string) => /(\d+) commits? checked\n$/.exec(out)?.[1];
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function repoWithSeries(): TempRepo {
  const r = xdevRepo();
  cleanups.push(() => r.cleanup());
  return r;
}

(hasGit() ? describe : describe.skip)("lockreview check with no range", () => {
  test("a clone: the commits after the merge-base with origin/HEAD, not just the last one", async () => {
    const upstream = repoWithSeries();
    const dir = mkdtempSync(join(tmpdir(), "lockreview-clone-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync("git", ["clone", "-q", upstream.dir, join(dir, "c")]);
    const clone = Object.assign(Object.create(TempRepo.prototype) as TempRepo, { dir: join(dir, "c") });
    clone.git("config", "user.name", "Ada Example");
    clone.git("config", "user.email", "ada@example.org");
    // A topic branch with no upstream of its own: two commits on top of origin's default branch.
    clone.git("checkout", "-q", "-b", "topic", "--no-track", "origin/main");
    clone.am(XDEV_SERIES);
    const base = clone.git("merge-base", "HEAD", "origin/HEAD").trim().slice(0, 12);
    const r = await cli(["check", "-C", clone.dir]);
    expect(r.err).toBe(`lockreview: checking ${base}..HEAD (the merge-base with origin/HEAD)\n`);
    expect(checked(r.out)).toBe("2");
  });

  test("the branch's upstream comes first", async () => {
    const r0 = repoWithSeries();
    r0.git("branch", "-q", "base");
    r0.git("checkout", "-q", "-b", "topic");
    r0.git("branch", "-q", "--set-upstream-to=base");
    r0.am(XDEV_SERIES);
    const r = await cli(["check", "-C", r0.dir]);
    expect(r.err).toBe("lockreview: checking refs/heads/base..HEAD (the branch's upstream, refs/heads/base)\n");
    expect(checked(r.out)).toBe("2");
  });

  test("a b4 prep branch: the commits after b4's cover-letter commit", async () => {
    const r0 = repoWithSeries();
    r0.git("commit", "-q", "--allow-empty", "-m", "xdev: two fixes\n\nCover letter text.\n\n--- b4-submit-tracking ---\n# This section is used internally by b4 prep for tracking purposes.\n{\"series\": {\"revision\": 1}}\n");
    const cover = r0.git("rev-parse", "HEAD").trim().slice(0, 12);
    r0.am(XDEV_SERIES);
    const r = await cli(["check", "-C", r0.dir]);
    expect(r.err).toBe(`lockreview: checking ${cover}..HEAD (the commits after b4's cover letter ${cover})\n`);
    expect(checked(r.out)).toBe("2");
  });

  test("a base-commit: line in the series (format-patch --base) names the base, when the branch is built on it", async () => {
    const r0 = repoWithSeries();
    const base = r0.git("rev-parse", "HEAD").trim();
    r0.am(XDEV_SERIES);
    r0.git("commit", "-q", "--allow-empty", "-m", `xdev: notes for the series\n\nbase-commit: ${base}\n`);
    const r = await cli(["check", "-C", r0.dir]);
    expect(r.err).toBe(`lockreview: checking ${base.slice(0, 12)}..HEAD (the series' base-commit: in ${r0.git("rev-parse", "HEAD").trim().slice(0, 12)})\n`);
    expect(checked(r.out)).toBe("3");
    // A base-commit: the branch is not built on says nothing.
    r0.git("checkout", "-q", "--orphan", "other");
    r0.git("commit", "-q", "--allow-empty", "-m", `other: start`);
    r0.git("commit", "-q", "--allow-empty", "-m", `other\n\nbase-commit: ${base}\n`);
    expect((await cli(["check", "-C", r0.dir])).err).toMatch(/^lockreview: checking HEAD~1\.\.HEAD \(no upstream/);
  });
});
