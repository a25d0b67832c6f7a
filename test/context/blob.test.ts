// The blob rung on real kernel code: a repository built at test time from
// Debian's Linux 6.1 loop driver, a patch made with `git format-patch` in it,
// then the tree moved on by another commit so the patch no longer applies to
// the working tree. The diff's `index <pre>..` id (and `base-commit:`) still
// find the exact pre-image, as `git am -3` does.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDiffText } from "../../src/ingest/diff.js";
import { createReviewer } from "../../src/review/pipeline.js";
import { hasGit, TempRepo } from "../git/helpers.js";
import { linuxMissing, linuxRoot, noteSkip } from "../helpers/linux.js";
import { patchFromDiff } from "../helpers/ruleTester.js";

const FILES = ["drivers/block/loop.c", "drivers/block/Makefile"];
const skip = linuxMissing || !hasGit();
noteSkip("blob rung (loop.c from linux-source-6.1)");

const ANCHOR = "\tif (disk_openers(disk) > 0)\n\t\treturn;\n\n\tmutex_lock(&lo->lo_mutex);\n";

(skip ? describe.skip : describe)("context ladder: blob ids and base-commit in a git checkout", () => {
  let repo: TempRepo;
  let plain: string;
  let mail: string;
  let based: string;

  beforeAll(() => {
    const root = linuxRoot(["drivers/block"]);
    repo = new TempRepo("lockreview-blob-");
    for (const f of FILES) {
      mkdirSync(join(repo.dir, "drivers/block"), { recursive: true });
      cpSync(join(root, f), join(repo.dir, f));
    }
    const base = repo.commitAll("block: loop driver from 6.1");
    const loop = join(repo.dir, "drivers/block/loop.c");
    const text = readFileSync(loop, "utf8");
    if (!text.includes(ANCHOR)) throw new Error("loop.c of 6.1 changed shape: update the test anchor");
    // The loop 2021 shape: waiting for the workqueue from ->release, under disk->open_mutex.
    writeFileSync(loop, text.replace(ANCHOR, ANCHOR.replace("\n\n", "\n\n\tflush_workqueue(lo->workqueue);\n")));
    repo.commitAll("loop: flush the workqueue on last close");
    mail = repo.git("format-patch", "--stdout", "-1");
    based = repo.git("format-patch", "--stdout", "-1", `--base=${base}`);
    // The maintainer's tree moves on: the lines around the hunk change.
    repo.git("reset", "-q", "--hard", base);
    writeFileSync(loop, text.replace(ANCHOR, "\tif (disk_openers(disk))\n\t\treturn;\n\n\tmutex_lock(&lo->lo_mutex);\n"));
    repo.commitAll("loop: simplify the openers test");
    plain = mkdtempSync(join(tmpdir(), "lockreview-plain-"));
    for (const f of FILES) {
      mkdirSync(join(plain, "drivers/block"), { recursive: true });
      cpSync(join(repo.dir, f), join(plain, f));
    }
  });

  afterAll(() => {
    repo?.cleanup();
    if (plain) rmSync(plain, { recursive: true, force: true });
  });

  const reviewWith = async (tree: string, text: string) => {
    const reviewer = await createReviewer({ tree });
    try {
      const p = patchFromDiff(text);
      p.trailers = /^base-commit: (\w+)$/m.test(text) ? [{ key: "base-commit", value: /^base-commit: (\w+)$/m.exec(text)![1] }] : [];
      return await reviewer.review(p);
    } finally {
      reviewer.close?.();
    }
  };

  test("the diff's index line carries the abbreviated blob ids", () => {
    const fd = parseDiffText(mail).files[0];
    expect(fd.oldBlob).toMatch(/^[0-9a-f]{7,}$/);
    expect(fd.newBlob).toMatch(/^[0-9a-f]{7,}$/);
  });

  test("blob: the working tree has another version; the pre-image comes from the object database", async () => {
    const r = await reviewWith(repo.dir, mail);
    expect(r.report.contexts).toEqual([{ file: "drivers/block/loop.c", context: "blob", note: expect.stringMatching(/^pre-image is blob [0-9a-f]+ from the repository of tree /) }]);
    const f = r.report.findings.find((x) => x.ruleId === "wq-flush-under-open-mutex" && x.status === "introduced");
    expect(f).toMatchObject({ function: "lo_release", context: "blob" });
    expect(r.errors).toEqual([]);
  });

  test("base-commit: the files of that commit are the tree", async () => {
    const r = await reviewWith(repo.dir, based);
    expect(r.report.contexts?.[0]).toMatchObject({ context: "tree", note: expect.stringMatching(/^applied to base-commit [0-9a-f]{12} \(pre-image matches the diff's blob id\)/) });
  });

  test("the same tree without its repository falls back to fuzz", async () => {
    const r = await reviewWith(plain, mail);
    expect(r.report.contexts?.[0].context).toMatch(/^(fuzzy|hybrid)$/);
    expect(r.report.findings.find((x) => x.ruleId === "wq-flush-under-open-mutex")).toMatchObject({ function: "lo_release" });
  });
});
