// The git layer: files at a commit through one cat-file process, commit
// ranges, patches built from commits and from uncommitted changes.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultWorkers, splitChunks } from "../../src/git/checkPool.js";
import { commitPatches, workingPatch } from "../../src/git/patches.js";
import { GitRepo, NotARepositoryError } from "../../src/git/repo.js";
import { TempRepo, XDEV_SERIES, xdevRepo } from "./helpers.js";

describe("GitProvider: files at a commit", () => {
  let repo: TempRepo;
  let git: GitRepo;
  let base: string;
  let head: string;

  beforeAll(async () => {
    repo = xdevRepo();
    base = repo.git("rev-parse", "HEAD").trim();
    repo.write("drivers/block/Makefile", "obj-$(CONFIG_XDEV) += xdev.o\n");
    repo.git("mv", "drivers/block/xdev.c", "drivers/block/xdev_main.c");
    head = repo.commitAll("xdev: rename");
    git = await GitRepo.open(join(repo.dir, "drivers"));
  });
  afterAll(() => {
    git.close();
    repo.cleanup();
  });

  test("finds the top of the checkout from a subdirectory", () => {
    expect(git.top.endsWith(repo.dir.split("/").pop()!)).toBe(true);
  });

  test("reads a file as it was at each commit, and null where it does not exist", async () => {
    const before = git.at(base);
    const after = git.at(head);
    expect(await before.read("drivers/block/xdev.c")).toContain("static int xdev_delete(int index)");
    expect(await after.read("drivers/block/xdev.c")).toBeNull();
    expect(await after.read("drivers/block/xdev_main.c")).toContain("static int xdev_delete(int index)");
    expect(await after.read("drivers/block")).toBeNull(); // a tree, not a file
    expect(await after.read("../etc/passwd")).toBeNull();
  });

  test("lists the files (not directories) of a directory at a commit", async () => {
    expect(await git.at(base).list("drivers/block")).toEqual(["xdev.c"]);
    expect(await git.at(head).list("drivers/block/")).toEqual(["Makefile", "xdev_main.c"]);
    expect(await git.at(head).list("")).toEqual([]);
    expect(await git.at(head).list("nonexistent")).toEqual([]);
  });

  test("many reads in flight share the one cat-file process and come back in order", async () => {
    const p = git.at(head);
    const texts = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? p.read("drivers/block/Makefile") : git.at(base).read("drivers/block/xdev.c"))));
    expect(texts.filter((t) => t?.startsWith("obj-")).length).toBe(25);
    expect(texts.filter((t) => t?.includes("xdev_delete")).length).toBe(25);
  });

  test("describes itself by commit", () => {
    expect(git.at(head).describe()).toBe(`commit ${head.slice(0, 12)}`);
    expect(git.at(null).describe()).toBe("the empty tree");
  });
});

describe("GitRepo: ranges and patches", () => {
  let repo: TempRepo;
  let git: GitRepo;

  beforeAll(async () => {
    repo = xdevRepo();
    repo.am(XDEV_SERIES);
    git = await GitRepo.open(repo.dir);
  });
  afterAll(() => {
    git.close();
    repo.cleanup();
  });

  test("commits of a range, oldest first, with parents", async () => {
    const c = await git.commits("HEAD~2..HEAD");
    expect(c).toHaveLength(2);
    expect(c[0]!.parents).toEqual([repo.git("rev-parse", "HEAD~2").trim()]);
    expect(c[1]!.sha).toBe(repo.git("rev-parse", "HEAD").trim());
  });

  test("a bad range is git's own message", async () => {
    await expect(git.commits("nosuch..HEAD")).rejects.toThrow(/unknown revision|bad revision/);
  });

  test("one Patch per commit, with subject, author, trailers and the diff", async () => {
    const shas = (await git.commits("HEAD~2..HEAD")).map((c) => c.sha);
    const [p1, p2] = await commitPatches(git, shas);
    expect(p1!.subject).toBe("xdev: remove the device before releasing its index");
    expect(p1!.commit).toBe(shas[0]);
    expect(p1!.source).toBe(shas[0]!.slice(0, 7));
    expect(p1!.author).toEqual({ name: "Ada Example", email: "ada@example.org" });
    expect(p1!.trailers).toEqual([{ key: "Signed-off-by", value: "Ada Example <ada@example.org>" }]);
    expect(p1!.files.map((f) => f.newPath)).toEqual(["drivers/block/xdev.c"]);
    expect(p1!.files[0]!.hunks[0]!.changes.some((c) => c.kind === "add" && c.content.includes("xdev_remove(xd);"))).toBe(true);
    // git log line numbers are not patch-file line numbers: none are kept.
    expect(p1!.files[0]!.hunks[0]!.changes.every((c) => c.patchLine === undefined)).toBe(true);
    expect(p2!.subject).toBe("xdev: wait for queued I/O on last close");
  });

  test("staged and working-tree changes as one patch against HEAD", async () => {
    repo.write("drivers/block/xdev.c", repo.git("show", "HEAD:drivers/block/xdev.c").replace("return -EBUSY;", "return -EBUSY; /* staged */"));
    repo.git("add", "drivers/block/xdev.c");
    repo.write("drivers/block/xdev.c", repo.git("show", ":drivers/block/xdev.c").replace("return 0;\n}\n\nstatic int xdev_open", "return 0; /* unstaged */\n}\n\nstatic int xdev_open"));
    const staged = await workingPatch(git, "staged", true);
    const all = await workingPatch(git, "worktree", true);
    const added = (p: typeof staged) => p.files.flatMap((f) => f.hunks.flatMap((h) => h.changes.filter((c) => c.kind === "add").map((c) => c.content.trim())));
    expect(added(staged)).toEqual(["return -EBUSY; /* staged */"]);
    expect(added(all)).toEqual(["return -EBUSY; /* staged */", "return 0; /* unstaged */"]);
    repo.git("checkout", "-q", "HEAD", "--", ".");
  });
});

describe("GitRepo.open", () => {
  test("a directory outside any checkout is NotARepositoryError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockreview-nogit-"));
    writeFileSync(join(dir, "x.c"), "");
    try {
      await expect(GitRepo.open(dir)).rejects.toBeInstanceOf(NotARepositoryError);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("commit review pool", () => {
  test("contiguous chunks, the heaviest as light as possible; the main thread's a little heavier", () => {
    expect(splitChunks([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // drivers/block sizes (lines) of the benchmark's ten commits: rbd.c goes where it hurts least.
    expect(splitChunks([2629, 2330, 552, 2357, 1314, 2185, 7473, 2170, 2648, 5027], 2)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(splitChunks([5, 1, 1, 1], 2)).toEqual([0, 1, 1, 1]);
    expect(splitChunks([1, 1, 1], 4)).toEqual([0, 1, 2]);
    expect(splitChunks([], 3)).toEqual([]);
  });

  test("no workers for short ranges; LOCKREVIEW_WORKERS overrides", () => {
    expect(defaultWorkers(2, {})).toBe(0);
    expect(defaultWorkers(10, { LOCKREVIEW_WORKERS: "0" })).toBe(0);
    expect(defaultWorkers(10, { LOCKREVIEW_WORKERS: "2" })).toBe(2);
    expect(defaultWorkers(2, { LOCKREVIEW_WORKERS: "4" })).toBe(1);
    // Two cores: the main thread and the garbage collector; workers from the third core on.
    expect(defaultWorkers(10, {}, 2)).toBe(0);
    expect(defaultWorkers(10, {}, 4)).toBe(2);
    expect(defaultWorkers(10, {}, 16)).toBe(3);
    expect(defaultWorkers(3, {}, 16)).toBe(2);
  });
});
