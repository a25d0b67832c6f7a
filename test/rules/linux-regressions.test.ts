// The rules on real kernel code: our own regression edits to Linux 6.1's
// nbd.c and loop.c (unpacked at run time from Debian's linux-source-6.1;
// nothing of it is committed), made into patches with `git diff` and
// reviewed in both directions — the edit is introduced, its reverse fixed.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectoryProvider } from "../../src/context/providers.js";
import type { Finding } from "../../src/model/review.js";
import { createReviewer } from "../../src/review/pipeline.js";
import { linuxMissing, linuxRoot, noteSkip } from "../helpers/linux.js";
import { patchFromDiff } from "../helpers/ruleTester.js";

const suite = linuxMissing ? describe.skip : describe;
noteSkip("rule regressions on linux-source-6.1");

/** A regression edit of a real driver file: text to find and its replacement. */
interface Edit {
  file: string;
  find: string;
  replace: string;
}

// nbd_dev_remove() back under nbd_index_mutex in nbd_put(): the shape of
// the 2021 deadlock (seed 000), made by hand on 6.1's nbd.c.
const NBD_PUT_UNDER_INDEX_MUTEX: Edit = {
  file: "drivers/block/nbd.c",
  find: `	if (!refcount_dec_and_test(&nbd->refs))
		return;

	/* Call del_gendisk() asynchrounously to prevent deadlock */
	if (test_bit(NBD_DESTROY_ON_DISCONNECT, &nbd->flags))
		queue_work(nbd_del_wq, &nbd->remove_work);
	else
		nbd_dev_remove(nbd);`,
  replace: `	if (!refcount_dec_and_mutex_lock(&nbd->refs, &nbd_index_mutex))
		return;

	nbd_dev_remove(nbd);
	mutex_unlock(&nbd_index_mutex);`,
};

// destroy_workqueue() back in loop's __loop_clr_fd(), which lo_release()
// calls under disk->open_mutex (loop 2021-22, seed 001).
const LOOP_DESTROY_IN_CLR_FD: Edit = {
  file: "drivers/block/loop.c",
  find: `		blk_mq_unfreeze_queue(lo->lo_queue);

	disk_force_media_change(lo->lo_disk, DISK_EVENT_MEDIA_CHANGE);
`,
  replace: `		blk_mq_unfreeze_queue(lo->lo_queue);

	disk_force_media_change(lo->lo_disk, DISK_EVENT_MEDIA_CHANGE);
	destroy_workqueue(lo->workqueue);
`,
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd, encoding: "utf8" });
}

suite("rules on Linux 6.1 with hand-made regressions", () => {
  let repo: string;

  beforeAll(() => {
    const root = linuxRoot(["drivers/block"]);
    repo = mkdtempSync(join(tmpdir(), "lockreview-regress-"));
    mkdirSync(join(repo, "drivers/block"), { recursive: true });
    for (const f of ["nbd.c", "loop.c", "Makefile"]) writeFileSync(join(repo, "drivers/block", f), readFileSync(join(root, "drivers/block", f)));
    git(repo, "init", "-q");
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "base");
  });

  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  /** Apply the edit, `git diff` it (or its reverse), review against the tree before it. */
  async function review(edit: Edit, reverse: boolean, tree: boolean): Promise<Finding[]> {
    const path = join(repo, edit.file);
    const original = readFileSync(path, "utf8");
    expect(original.includes(edit.find)).toBe(true);
    const edited = original.replace(edit.find, edit.replace);
    const [before, after] = reverse ? [edited, original] : [original, edited];
    writeFileSync(path, before);
    git(repo, "commit", "-qam", "before", "--allow-empty");
    writeFileSync(path, after);
    const diff = git(repo, "diff");
    writeFileSync(path, before); // the tree the patch applies to
    try {
      const reviewer = await createReviewer(tree ? { provider: new DirectoryProvider(repo) } : {});
      return (await reviewer.review(patchFromDiff(diff))).report.findings;
    } finally {
      git(repo, "checkout", "-q", "--", ".");
      writeFileSync(path, original);
      git(repo, "commit", "-qam", "restore", "--allow-empty");
    }
  }

  test("nbd: nbd_dev_remove() under nbd_index_mutex again is introduced, with the AB-BA against nbd_open()", async () => {
    const found = await review(NBD_PUT_UNDER_INDEX_MUTEX, false, true);
    const f = found.find((x) => x.ruleId === "lock-across-del-gendisk" && x.function === "nbd_put");
    expect(f).toMatchObject({ status: "introduced", severity: "error", context: "tree" });
    expect(f!.message).toMatch(/nbd_put\(\) holds nbd_index_mutex across del_gendisk\(\) \(via nbd_dev_remove\(\)\).*nbd_open\(\) takes nbd_index_mutex under disk->open_mutex/);
    expect(f!.scenario).toMatch(/\*\*\* DEADLOCK \*\*\*/);
    expect(f!.references.map((r) => r.url)).toContain("https://lore.kernel.org/r/20210811124428.2368491-2-hch@lst.de");
  });

  test("nbd: the reverse patch is reported as fixed", async () => {
    const found = await review(NBD_PUT_UNDER_INDEX_MUTEX, true, true);
    const f = found.find((x) => x.ruleId === "lock-across-del-gendisk" && x.function === "nbd_put");
    expect(f).toMatchObject({ status: "fixed", severity: "error" });
    expect(found.filter((x) => x.status === "introduced")).toEqual([]);
  });

  test("loop: destroy_workqueue() back in __loop_clr_fd() is introduced, reached from lo_release() under open_mutex", async () => {
    const found = await review(LOOP_DESTROY_IN_CLR_FD, false, true);
    const f = found.find((x) => x.ruleId === "wq-flush-under-open-mutex");
    expect(f).toMatchObject({ status: "introduced", severity: "error", function: "__loop_clr_fd" });
    expect(f!.message).toMatch(/^lo_release\(\) runs with disk->open_mutex held .*destroy_workqueue\(lo->workqueue\) \(via __loop_clr_fd\(\)\)/);
    const text = readFileSync(join(repo, "drivers/block/loop.c"), "utf8");
    const line = text.slice(0, text.indexOf(LOOP_DESTROY_IN_CLR_FD.find)).split("\n").length + 3;
    expect(f!.line).toBe(line);
  });

  test("loop: the reverse patch is reported as fixed", async () => {
    const found = await review(LOOP_DESTROY_IN_CLR_FD, true, true);
    expect(found.find((x) => x.ruleId === "wq-flush-under-open-mutex")).toMatchObject({ status: "fixed" });
  });

  test("hunks only, the same nbd edit: the hunk shows too little of the chain for an error", async () => {
    // The patch shows nbd_put() taking the lock and calling nbd_dev_remove(),
    // but not del_gendisk() inside nbd_dev_remove() nor nbd_open(): honest silence.
    const found = await review(NBD_PUT_UNDER_INDEX_MUTEX, false, false);
    expect(found.filter((x) => x.severity === "error")).toEqual([]);
  });
});
