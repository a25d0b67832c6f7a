// `lockreview check` in real (temporary) git repositories built from the
// hand-written xdev example: patch 1 adds lock-across-del-gendisk, patch 2
// wq-flush-under-open-mutex; the clean series makes the same changes safely.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReviewSchema } from "../../src/model/review.js";
import { TempRepo, XDEV_CLEAN, XDEV_SERIES, XDEV_TREE, xdevRepo } from "../git/helpers.js";
import { ROOT } from "../ingest/helpers.js";
import { cli } from "./helpers.js";

const BIN = join(ROOT, "bin", "lockreview.js");
/** Two commits that apply on top of the xdev series (comments only: no findings). */
const XDEV_CLEAN_ON_TOP = join(ROOT, "test", "fixtures", "check", "on-top");

const SUBJECT1 = "xdev: remove the device before releasing its index";
const SUBJECT2 = "xdev: wait for queued I/O on last close";

function rules(out: string): string[] {
  return [...out.matchAll(/^(?:ERROR|WARNING|NOTE): ([a-z-]+):/gm)].map((m) => m[1]!);
}

describe("lockreview check <range>", () => {
  let repo: TempRepo;
  let sha1: string;
  let sha2: string;

  beforeAll(() => {
    repo = xdevRepo();
    repo.am(XDEV_SERIES);
    sha1 = repo.git("rev-parse", "--short", "HEAD~1").trim();
    sha2 = repo.git("rev-parse", "--short", "HEAD").trim();
  });
  afterAll(() => repo.cleanup());

  test("with no upstream, series base or origin/HEAD: HEAD~1..HEAD, said on stderr; headed '<short-sha> <subject>', exit 1", async () => {
    const r = await cli(["check", "-C", repo.dir]);
    expect(r.err).toBe("lockreview: checking HEAD~1..HEAD (no upstream, series base or origin/HEAD: the last commit only; name a range to check more)\n");
    expect(r.code).toBe(1);
    expect(r.out.split("\n")[0]).toBe(`${sha2} ${SUBJECT2}`);
    expect(rules(r.out)).toEqual(["wq-flush-under-open-mutex"]);
    expect(r.out).toContain("FILE: drivers/block/xdev.c:79: xdev_release()\n+\t\tflush_workqueue(xd->io_wq);\n");
    expect(r.out).toContain("context: tree");
    expect(r.out).toMatch(/\ntotal: 1 errors, 0 warnings, 0 notes, 1 commit checked\n$/);
  });

  test("a single revision means <rev>..HEAD (as for format-patch); each commit against its parent", async () => {
    const r = await cli(["check", "-C", repo.dir, "HEAD~2"]);
    expect(r.code).toBe(1);
    expect(r.out.indexOf(`${sha1} ${SUBJECT1}`)).toBe(0);
    expect(r.out).toContain(`\n${sha2} ${SUBJECT2}\n`);
    expect(rules(r.out)).toEqual(["lock-across-del-gendisk", "wq-flush-under-open-mutex"]);
    // Patch 1's finding needs xdev_open() and the ops table: whole-file context from git.
    expect(r.out).toContain("trace: drivers/block/xdev.c:59 xdev_open(): disk->open_mutex held on entry");
    expect(r.out).toMatch(/total: 2 errors, 0 warnings, 0 notes, 2 commits checked\n$/);
  });

  test("--format sarif gives one result per finding, for code scanning in CI", async () => {
    const r = await cli(["check", "-C", repo.dir, "--format", "sarif", "HEAD~2"]);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.out) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine])).toEqual([
      ["lock-across-del-gendisk", "drivers/block/xdev.c", 53],
      ["wq-flush-under-open-mutex", "drivers/block/xdev.c", 79],
    ]);
  });

  test("A..B ranges; --fail-on none exits 0", async () => {
    const r = await cli(["check", "-C", repo.dir, "--fail-on", "none", "HEAD~2..HEAD~1"]);
    expect(r.code).toBe(0);
    expect(rules(r.out)).toEqual(["lock-across-del-gendisk"]);
  });

  test("the branch's upstream is the default base", async () => {
    repo.git("branch", "-q", "base", "HEAD~2");
    repo.git("branch", "-q", "--set-upstream-to=base");
    try {
      const r = await cli(["check", "-C", repo.dir, "-q"]);
      expect(rules(r.out)).toEqual(["lock-across-del-gendisk", "wq-flush-under-open-mutex"]);
      expect(r.out).toContain("2 commits checked");
    } finally {
      repo.git("branch", "-q", "--unset-upstream");
      repo.git("branch", "-q", "-D", "base");
    }
  });

  test("JSON: source is the short sha, commit the full one; the DESIGN contract holds", async () => {
    const r = await cli(["check", "-C", repo.dir, "--format", "json", "HEAD~2"]);
    const doc = ReviewSchema.parse(JSON.parse(r.out));
    expect(doc.patches.map((p) => [p.source, p.subject])).toEqual([
      [sha1, SUBJECT1],
      [sha2, SUBJECT2],
    ]);
    expect(doc.patches[0]!.commit).toBe(repo.git("rev-parse", "HEAD~1").trim());
    expect(doc.patches[1]!.findings[0]).toMatchObject({ ruleId: "wq-flush-under-open-mutex", status: "introduced", file: "drivers/block/xdev.c", line: 79, context: "tree" });
  });

  test("--terse: one line per finding", async () => {
    const r = await cli(["check", "-C", repo.dir, "--terse", "HEAD~2"]);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^drivers\/block\/xdev\.c:53: ERROR: lock-across-del-gendisk: xdev_delete\(\) holds xdev_index_mutex across del_gendisk\(\)/);
    expect(lines[1]).toMatch(/^drivers\/block\/xdev\.c:79: ERROR: wq-flush-under-open-mutex: /);
    expect(r.code).toBe(1);
  });

  test("works on a detached HEAD and in a linked worktree", async () => {
    const parent = mkdtempSync(join(tmpdir(), "lockreview-wt-"));
    const wt = join(parent, "wt");
    repo.git("worktree", "add", "-q", "--detach", wt, "HEAD");
    try {
      const r = await cli(["check", "-C", wt, "-q"]);
      expect(r.code).toBe(1);
      expect(rules(r.out)).toEqual(["wq-flush-under-open-mutex"]);
    } finally {
      repo.git("worktree", "remove", "--force", wt);
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test("a bad range is one line (and a hint), exit 2", async () => {
    const r = await cli(["check", "-C", repo.dir, "nosuch..HEAD"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^lockreview: bad revision range 'nosuch\.\.HEAD': .*(unknown revision|bad revision).*\n\(see 'lockreview check --help'\)\n$/);
    const opt = await cli(["check", "-C", repo.dir, "--output=/tmp/x"]);
    expect(opt.code).toBe(2);
  });

  test("an empty range says so and exits 0", async () => {
    const r = await cli(["check", "-C", repo.dir, "HEAD..HEAD"]);
    expect(r).toEqual({ code: 0, out: "", err: "lockreview: no commits to check in HEAD..HEAD\n" });
  });
});

describe("lockreview check: what is read, and edge cases", () => {
  const repos: TempRepo[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  test("outside a git checkout: one line, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockreview-nogit-"));
    try {
      const r = await cli(["check", "-C", dir]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`lockreview: ${dir}: not a git repository\n(lockreview check runs in a git checkout; for a plain directory use 'lockreview review --tree DIR')\n`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("a root commit is checked against the empty tree", async () => {
    const repo = new TempRepo();
    repos.push(repo);
    cpSync(XDEV_TREE, repo.dir, { recursive: true });
    repo.commitAll("xdev: add the driver");
    const r = await cli(["check", "-C", repo.dir, "--fail-on", "none"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[0-9a-f]{7} xdev: add the driver\n/);
    expect(r.out).toContain("1 commit checked");
  });

  test("merge commits are skipped, as format-patch does", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    repo.git("checkout", "-q", "-b", "side");
    repo.write("README", "side\n");
    repo.commitAll("side: add a README");
    repo.git("checkout", "-q", "main");
    repo.am(XDEV_CLEAN);
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch side", "side");
    const r = await cli(["check", "-C", repo.dir, "HEAD~3"]);
    expect(r.err).toBe("lockreview: skipping 1 merge commit in HEAD~3..HEAD (as git format-patch does)\n");
    expect(r.out).toContain("3 commits checked");
    expect(r.code).toBe(0);
  });

  test("callbacks in another file of the driver are seen (neighbour files read from git)", async () => {
    // xdev split in two: the ops table and ->open live in xdev_ops.c, which the
    // commit does not touch. The AB-BA needs xdev_open() from that file.
    const repo = new TempRepo();
    repos.push(repo);
    cpSync(XDEV_TREE, repo.dir, { recursive: true });
    const path = join(repo.dir, "drivers/block/xdev.c");
    const text = readFileSync(path, "utf8");
    const start = text.indexOf("static int xdev_open");
    const end = text.indexOf("static int xdev_add");
    writeFileSync(join(repo.dir, "drivers/block/xdev_ops.c"), `#include "xdev.h"\n\n${text.slice(start, end)}`);
    writeFileSync(path, text.slice(0, start) + text.slice(end));
    writeFileSync(join(repo.dir, "drivers/block/xdev.h"), "/* shared by xdev.c and xdev_ops.c */\n");
    writeFileSync(join(repo.dir, "drivers/block/Makefile"), "obj-$(CONFIG_XDEV) += xdev_drv.o\nxdev_drv-y := xdev.o xdev_ops.o\n");
    repo.commitAll("xdev: split the ops into xdev_ops.c");
    writeFileSync(path, readFileSync(path, "utf8").replace("\tidr_remove(&xdev_idr, index);\n\tmutex_unlock(&xdev_index_mutex);\n\n\txdev_remove(xd);", "\txdev_remove(xd);\n\tidr_remove(&xdev_idr, index);\n\tmutex_unlock(&xdev_index_mutex);"));
    repo.commitAll("xdev: remove the device under the index mutex");
    const r = await cli(["check", "-C", repo.dir]);
    expect(rules(r.out)).toEqual(["lock-across-del-gendisk"]);
    expect(r.out).toContain("trace: drivers/block/xdev_ops.c");
    expect(r.out).toContain("AB-BA");
  });

  test("--staged and --worktree check uncommitted changes against HEAD", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    const path = join(repo.dir, "drivers/block/xdev.c");
    const clean = readFileSync(path, "utf8");
    const flush = "\txd->openers--;\n\tmutex_unlock(&xdev_index_mutex);\n\tflush_workqueue(xd->io_wq);\n}";
    writeFileSync(path, clean.replace("\txd->openers--;\n\tmutex_unlock(&xdev_index_mutex);\n}", flush));
    let r = await cli(["check", "-C", repo.dir, "--staged"]);
    expect(r).toEqual({ code: 0, out: "", err: "lockreview: no staged changes to check\n" });
    r = await cli(["check", "-C", repo.dir, "--worktree"]);
    expect(r.code).toBe(1);
    expect(r.out.split("\n")[0]).toBe("worktree: working tree changes (git diff HEAD)");
    expect(rules(r.out)).toEqual(["wq-flush-under-open-mutex"]);
    repo.git("add", "-A");
    r = await cli(["check", "-C", repo.dir, "--staged", "--terse"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^drivers\/block\/xdev\.c:\d+: ERROR: wq-flush-under-open-mutex: /);
    const both = await cli(["check", "-C", repo.dir, "--staged", "--worktree"]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^lockreview: --staged and --worktree do not go together\n/);
  });
});

describe("lockreview check --format-patch", () => {
  const repos: TempRepo[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function formatPatch(repo: TempRepo, range: string): string {
    const out = mkdtempSync(join(tmpdir(), "lockreview-fp-"));
    dirs.push(out);
    repo.git("format-patch", "-q", "--cover-letter", "-o", out, range);
    return out;
  }

  test("patches whose commits are in the repository are checked against their parents", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    repo.am(XDEV_SERIES);
    const out = formatPatch(repo, "HEAD~2");
    const r = await cli(["check", "-C", repo.dir, "--format-patch", out]);
    expect(r.code).toBe(1);
    expect(rules(r.out)).toEqual(["lock-across-del-gendisk", "wq-flush-under-open-mutex"]);
    // Line numbers are those of the patch files, as checkpatch counts them.
    expect(r.out).toMatch(/\n#\d+: FILE: drivers\/block\/xdev\.c:53: xdev_delete\(\)\n\+\txdev_remove\(xd\);\n/);
    expect(r.out).toContain("not reviewed: 1 cover letter");
  });

  test("a series not yet applied is checked against the working tree, in order", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    // The fixture's commit ids do not exist here.
    const r = await cli(["check", "-C", repo.dir, "--format-patch", "--terse", XDEV_SERIES]);
    expect(r.code).toBe(1);
    expect(r.out.trim().split("\n").map((l) => l.split(": ")[0])).toEqual(["drivers/block/xdev.c:53", "drivers/block/xdev.c:79"]);
  });

  test("a series the checkout already contains (amended since) is checked by undoing it", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    repo.am(XDEV_SERIES);
    const r = await cli(["check", "-C", repo.dir, "--format-patch", "--format", "json", XDEV_SERIES]);
    const doc = ReviewSchema.parse(JSON.parse(r.out));
    expect(doc.errors).toEqual([]);
    // Patch 1's pre-image is the blob it was made from (the repository still has it);
    // patch 2 applies on patch 1's result, whose blob id its index line confirms.
    expect(doc.patches.map((p) => p.findings.map((f) => [f.ruleId, f.context]))).toEqual([[["lock-across-del-gendisk", "blob"]], [["wq-flush-under-open-mutex", "tree"]]]);
  });

  test("review --tree <checkout> does the same without git: not yet applied, or already applied", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    const before = await cli(["review", "--terse", "--tree", repo.dir, XDEV_SERIES]);
    repo.am(XDEV_SERIES);
    const after = await cli(["review", "--terse", "--tree", repo.dir, XDEV_SERIES]);
    expect(before.code).toBe(1);
    expect(after).toEqual(before);
    expect(before.out.trim().split("\n").map((l) => l.split(": ")[0])).toEqual(["drivers/block/xdev.c:53", "drivers/block/xdev.c:79"]);
  });

  test("the clean series passes", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    repo.am(XDEV_CLEAN);
    const out = formatPatch(repo, "HEAD~2");
    const r = await cli(["check", "-C", repo.dir, "--format-patch", out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("total: 0 errors, 0 warnings, 0 notes, 2 patches reviewed");
  });

  test("--hook: one patch file (and newer git's SMTP headers file), counter prefix, quiet when clean", async () => {
    const repo = xdevRepo();
    repos.push(repo);
    repo.am(XDEV_SERIES);
    const out = formatPatch(repo, "HEAD~2");
    const files = readdirSync(out).sort().map((f) => join(out, f));
    const headers = join(out, "smtp-headers");
    writeFileSync(headers, "To: x@example.org\n");
    const cover = await cli(["check", "-C", repo.dir, "--hook", "--", files[0]!, headers]);
    expect(cover).toEqual({ code: 0, out: "", err: "" });
    const bad = await cli(["check", "-C", repo.dir, "--hook", "--", files[2]!, headers], { env: { GIT_SENDEMAIL_FILE_COUNTER: "3", GIT_SENDEMAIL_FILE_TOTAL: "3" } });
    expect(bad.code).toBe(1);
    expect(bad.out.split("\n")[0]).toBe("[3/3] 0002-xdev-wait-for-queued-I-O-on-last-close.patch: [PATCH 2/2] xdev: wait for queued I/O on last close");
    expect(bad.out).toMatch(/total: 1 errors, 0 warnings, 0 notes, 1 patches reviewed\n$/);
    expect(bad.err).toContain("patch rejected by the sendemail-validate hook");
    const usage = await cli(["check", "-C", repo.dir, "--hook"]);
    expect(usage.code).toBe(2);
  });
});

describe("lockreview check: configuration", () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = xdevRepo();
    repo.am(XDEV_SERIES);
  });
  afterAll(() => repo.cleanup());
  afterEach(() => rmSync(join(repo.dir, ".lockreview.yml"), { force: true }));

  test(".lockreview.yml at the top of the checkout is found from a subdirectory", async () => {
    writeFileSync(join(repo.dir, ".lockreview.yml"), "rules:\n  lock-across-del-gendisk: off\n  wq-flush-under-open-mutex: warning\n");
    mkdirSync(join(repo.dir, "drivers/block"), { recursive: true });
    const r = await cli(["check", "-C", join(repo.dir, "drivers/block"), "HEAD~2"]);
    expect(rules(r.out)).toEqual(["wq-flush-under-open-mutex"]);
    expect(r.out).toContain("WARNING: wq-flush-under-open-mutex");
    expect(r.code).toBe(0); // below the default fail-on (error)
    writeFileSync(join(repo.dir, ".lockreview.yml"), "fail-on: warning\nrules:\n  wq-flush-under-open-mutex: warning\n");
    expect((await cli(["check", "-C", repo.dir, "-q"])).code).toBe(1);
    // --fail-on beats the file.
    expect((await cli(["check", "-C", repo.dir, "-q", "--fail-on", "error"])).code).toBe(0);
  });

  test("a bad configuration stops the check: one line per problem, naming file and key, exit 2", async () => {
    writeFileSync(join(repo.dir, ".lockreview.yml"), "rules:\n  lock-across-del-gendisc: off\nshow-notes: yes please\n");
    const r = await cli(["check", "-C", repo.dir]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      [
        "lockreview: " + join(repo.dir, ".lockreview.yml") + ": show-notes: expected boolean, received string",
        "lockreview: " + join(repo.dir, ".lockreview.yml") + ": rules.lock-across-del-gendisc: unknown rule (did you mean lock-across-del-gendisk?)",
        "",
      ].join("\n"),
    );
  });
});

describe("lockreview check: worker threads (the real executable; lib/ is built by pretest)", () => {
  test("LOCKREVIEW_WORKERS=1 gives the same output, in commit order", () => {
    const repo = xdevRepo();
    try {
      repo.am(XDEV_SERIES);
      repo.am(XDEV_CLEAN_ON_TOP);
      const run = (workers: string) =>
        spawnSync(process.execPath, [BIN, "check", "--format", "json", "HEAD~4"], { cwd: repo.dir, encoding: "utf8", env: { ...process.env, LOCKREVIEW_WORKERS: workers } });
      const one = run("0");
      const two = run("1");
      expect(one.status).toBe(1);
      expect(two.stderr).toBe("");
      expect(two.stdout).toBe(one.stdout);
      expect(ReviewSchema.parse(JSON.parse(two.stdout)).patches.map((p) => p.findings.map((f) => f.ruleId))).toEqual([["lock-across-del-gendisk"], ["wq-flush-under-open-mutex"], [], []]);
    } finally {
      repo.cleanup();
    }
  });
});
