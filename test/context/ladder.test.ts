// The context ladder: a mailed patch reviewed against a maintainer's tree
// that is not the patch's base. Every rung must still see the whole chain:
// here `->release = zdev_close` (an ops table outside the hunks: from the
// diff alone zdev_close() is not known to run under disk->open_mutex) and the
// flush_workqueue() the patch adds to it.
import { describe, expect, test } from "@jest/globals";
import { MapProvider } from "../../src/context/providers.js";
import { createReviewer } from "../../src/review/pipeline.js";
import type { Patch } from "../../src/model/patch.js";
import { makePatch, patchFromDiff } from "../helpers/ruleTester.js";

const HEAD = `// SPDX-License-Identifier: GPL-2.0
#include <linux/blkdev.h>
#include <linux/workqueue.h>

struct zdev {
	struct mutex lock;
	struct workqueue_struct *wq;
	struct work_struct reset_work;
	struct gendisk *disk;
	int users;
};
`;

const CLOSE = `static void zdev_close(struct gendisk *disk)
{
	struct zdev *zd = disk->private_data;

	mutex_lock(&zd->lock);
	zd->users--;
	if (!zd->users)
		zdev_stop(zd);
	mutex_unlock(&zd->lock);
}
`;

const REST = `
static void zdev_reset_work(struct work_struct *work)
{
	struct zdev *zd = container_of(work, struct zdev, reset_work);

	mutex_lock(&zd->disk->open_mutex);
	zdev_reset(zd);
	mutex_unlock(&zd->disk->open_mutex);
}

static int zdev_open(struct gendisk *disk, blk_mode_t mode)
{
	struct zdev *zd = disk->private_data;

	mutex_lock(&zd->lock);
	zd->users++;
	mutex_unlock(&zd->lock);
	return 0;
}

static const struct block_device_operations zdev_fops = {
	.owner		= THIS_MODULE,
	.open		= zdev_open,
	.release	= zdev_close,
};

static int zdev_probe(struct zdev *zd)
{
	zd->wq = alloc_workqueue("zdev", WQ_MEM_RECLAIM, 0);
	if (!zd->wq)
		return -ENOMEM;
	INIT_WORK(&zd->reset_work, zdev_reset_work);
	return 0;
}
`;

const before = HEAD + "\n" + CLOSE + REST;
const after = before.replace("\t\tzdev_stop(zd);\n", "\t\tzdev_stop(zd);\n\tflush_workqueue(zd->wq);\n");
const PATH = "drivers/block/zdev.c";

async function review(tree: Record<string, string> | null, patch: Patch = patchFromDiff(makePatch(PATH, before, after))) {
  const reviewer = await createReviewer(tree ? { provider: new MapProvider(new Map(Object.entries(tree)), "tree T") } : {});
  return reviewer.review(patch);
}

const flushFinding = (r: Awaited<ReturnType<typeof review>>) => r.report.findings.find((f) => f.ruleId === "wq-flush-under-open-mutex" && f.status === "introduced");
const addedLine = after.split("\n").indexOf("\tflush_workqueue(zd->wq);") + 1;

describe("context ladder", () => {
  test("from the diff alone the ops table is not visible: no finding (what the tree rungs add)", async () => {
    expect(flushFinding(await review(null))).toBeUndefined();
  });

  test("tree: the tree has the file at another place; the finding is on the patch's own line", async () => {
    const r = await review({ [PATH]: before.replace(HEAD, HEAD + "\nstatic int zdev_major;\nstatic DEFINE_IDA(zdev_ida);\n") });
    expect(r.report.contexts).toEqual([{ file: PATH, context: "tree", note: expect.stringMatching(/applied to tree T; 1 of 1 hunk at an offset \(\+3 lines\)/) }]);
    expect(flushFinding(r)).toMatchObject({ line: addedLine, function: "zdev_close", context: "tree" });
    expect(r.errors).toEqual([]);
  });

  test("fuzzy: context lines that differ (renamed helper) still place the hunk", async () => {
    const tree = before.replace("\tzd->users--;", "\tzd->users -= 1;\t/* v2 */");
    const r = await review({ [PATH]: tree });
    expect(r.report.contexts?.[0]).toMatchObject({ context: "fuzzy", note: expect.stringMatching(/with fuzz/) });
    expect(flushFinding(r)).toMatchObject({ line: addedLine, context: "fuzzy" });
  });

  test("hybrid: zdev_close() was rewritten in the tree; it comes from the diff, the ops table from the tree", async () => {
    const rewritten = CLOSE.replace(/mutex_lock\(&zd->lock\);[\s\S]*mutex_unlock\(&zd->lock\);/, "if (atomic_dec_and_test(&zd->open_count))\n\t\tzdev_stop(zd);");
    const r = await review({ [PATH]: HEAD + "\n" + rewritten + REST });
    expect(r.report.contexts?.[0]).toMatchObject({ context: "hybrid", note: expect.stringMatching(/0 of 1 hunk applied, 1 from the diff only \(zdev_close\(\)\)/) });
    const f = flushFinding(r);
    expect(f).toMatchObject({ line: addedLine, function: "zdev_close", context: "hybrid" });
    expect(f!.limitations?.join(" ")).toMatch(/zdev_close\(\) seen from the diff only/);
    expect(r.errors).toEqual([]);
  });

  test("hybrid through the driver's other files: the changed file is not in the tree", async () => {
    // The ops table lives in zdev-main.c; the patch changes zdev-io.c, which the tree does not have yet.
    const io = HEAD + "\n" + CLOSE;
    const ioAfter = io.replace("\t\tzdev_stop(zd);\n", "\t\tzdev_stop(zd);\n\tflush_workqueue(zd->wq);\n");
    const patch = patchFromDiff(makePatch("drivers/block/zdev/zdev-io.c", io, ioAfter));
    const r = await review({ "drivers/block/zdev/zdev-main.c": HEAD + REST, "drivers/block/zdev/Makefile": "obj-m += zdev.o\nzdev-y := zdev-main.o zdev-io.o\n" }, patch);
    expect(r.report.contexts?.[0]).toMatchObject({ file: "drivers/block/zdev/zdev-io.c", context: "hybrid", note: expect.stringMatching(/not in tree T: reviewed from its hunks, with the driver's other files/) });
    expect(flushFinding(r)).toMatchObject({ function: "zdev_close", context: "hybrid" });
  });

  test("a series on a skewed tree: the second patch is reviewed on top of the first", async () => {
    const drained = before.replace("static int zdev_probe", "static void zdev_drain(struct zdev *zd)\n{\n\tflush_workqueue(zd->wq);\n}\n\nstatic int zdev_probe");
    const calls = drained.replace("\t\tzdev_stop(zd);\n", "\t\tzdev_stop(zd);\n\tzdev_drain(zd);\n");
    const p1 = { ...patchFromDiff(makePatch(PATH, before, drained), "[PATCH 1/2] zdev: add zdev_drain()"), seriesKey: "s" };
    const p2 = { ...patchFromDiff(makePatch(PATH, drained, calls), "[PATCH 2/2] zdev: drain on last close"), seriesKey: "s", index: 2 };
    const tree = { [PATH]: before.replace(HEAD, HEAD + "\nstatic int zdev_major;\n") };
    const reviewer = await createReviewer({ provider: new MapProvider(new Map(Object.entries(tree)), "tree T") });
    const r1 = await reviewer.review(p1);
    const r2 = await reviewer.review(p2);
    expect(flushFinding(r1)).toBeUndefined();
    expect(r2.report.contexts?.[0].context).toBe("tree");
    expect(flushFinding(r2)).toMatchObject({ function: "zdev_close" });
    expect(flushFinding(r2)!.trace.map((t) => t.function)).toContain("zdev_drain");
  });
});
