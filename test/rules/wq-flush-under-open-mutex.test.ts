// wq-flush-under-open-mutex: cases written for these tests, modelled on
// loop 2021-22 (seed 001, syzbot 643e4ce4b6ad1347d372): lo_release() →
// __loop_clr_fd() → destroy_workqueue() under disk->open_mutex.
import { describe } from "@jest/globals";
import { ruleTester } from "../helpers/ruleTester.js";
import { W_UNDER_OWN_LOCK } from "./wq-fixtures.js";

const PATH = "drivers/block/zloop.c";

// Line numbers: zl_clr_fd's body starts at line 10; with CLR_DESTROYS zl_release's last statement is line 24.
const zloop = (clr: string, release: string, extra = "") => `
struct zloop {
	struct mutex zl_mutex;
	struct workqueue_struct *workqueue;
	struct gendisk *zl_disk;
};

static void zl_clr_fd(struct zloop *zl)
{
${clr}
}

static void zl_release(struct gendisk *disk, fmode_t mode)
{
	struct zloop *zl = disk->private_data;

	if (disk_openers(disk) > 0)
		return;
	mutex_lock(&zl->zl_mutex);
	zl->state = 0;
	mutex_unlock(&zl->zl_mutex);
${release}
}
${extra}
static const struct block_device_operations zl_fops = {
	.owner = THIS_MODULE,
	.release = zl_release,
	.free_disk = zl_free_disk,
};
`;

const CLR_DESTROYS = `	blk_mq_freeze_queue(zl->zl_queue);
	destroy_workqueue(zl->workqueue);
	blk_mq_unfreeze_queue(zl->zl_queue);`;
const CLR_KEEPS = `	blk_mq_freeze_queue(zl->zl_queue);
	blk_mq_unfreeze_queue(zl->zl_queue);`;
const FREE_DISK = `
static void zl_free_disk(struct gendisk *disk)
{
	struct zloop *zl = disk->private_data;

	destroy_workqueue(zl->workqueue);
	kfree(zl);
}
`;

describe("wq-flush-under-open-mutex", () => {
  ruleTester("wq-flush-under-open-mutex", {
    valid: [
      {
        name: "the workqueue is destroyed in ->free_disk, not in ->release (the final loop fix)",
        files: { [PATH]: zloop(CLR_KEEPS, "\tzl_clr_fd(zl);", FREE_DISK) },
      },
      {
        name: "->release defers the teardown to a work item (loop_schedule_rundown shape)",
        files: {
          [PATH]: zloop(CLR_DESTROYS, "\tqueue_work(system_long_wq, &zl->rundown_work);", `
static void zl_rundown_workfn(struct work_struct *work)
{
	struct zloop *zl = container_of(work, struct zloop, rundown_work);

	zl_clr_fd(zl);
}
static void zl_setup(struct zloop *zl) { INIT_WORK(&zl->rundown_work, zl_rundown_workfn); }
`),
        },
      },
      {
        name: "cancel_work_sync() under a driver lock the work takes is wq-flush-under-lock's, not this rule's",
        files: { "drivers/block/w.c": W_UNDER_OWN_LOCK },
      },
    ],
    invalid: [
      {
        name: "lo_release() → __loop_clr_fd() → destroy_workqueue() (loop, syzbot 643e4ce4b6ad1347d372)",
        files: { [PATH]: zloop(CLR_DESTROYS, "\tzl_clr_fd(zl);") },
        errors: [
          {
            severity: "error", function: "zl_release", line: 24,
            message: /^zl_release\(\) runs with disk->open_mutex held \(blkdev_put_whole\(\) calls ->release\(\) with disk->open_mutex held\) and destroy_workqueue\(zl->workqueue\) \(via zl_clr_fd\(\)\) waits for every work item queued on zl->workqueue\./,
          },
        ],
      },
      {
        name: "a patch that adds destroy_workqueue() to the helper ->release calls: introduced on the new line",
        change: { path: PATH, before: zloop(CLR_KEEPS, "\tzl_clr_fd(zl);"), after: zloop(CLR_DESTROYS, "\tzl_clr_fd(zl);"), inTree: true },
        errors: [{ status: "introduced", severity: "error", function: "zl_clr_fd", line: 11 }],
      },
      {
        name: "hunks only: flush_workqueue() added directly in a ->release callback",
        change: {
          path: PATH,
          before: zloop(CLR_KEEPS, "\tzl->opened = false;"),
          after: zloop(CLR_KEEPS, "\tflush_workqueue(zl->workqueue);\n\tzl->opened = false;"),
        },
        errors: [{ status: "introduced", severity: "error", function: "zl_release", line: 23, message: /waits for every work item queued on zl->workqueue/ }],
      },
      {
        name: "a 5.10-style ->release under bdev->bd_mutex (the same mutex before it moved to struct gendisk)",
        files: {
          [PATH]: `
struct zloop { struct workqueue_struct *workqueue; };
static void zl_drain(struct block_device *bdev, struct zloop *zl)
{
	mutex_lock(&bdev->bd_mutex);
	flush_workqueue(zl->workqueue);
	mutex_unlock(&bdev->bd_mutex);
}`,
        },
        errors: [{ severity: "error", function: "zl_drain", line: 6, message: /^zl_drain\(\) holds bdev->bd_mutex and flush_workqueue\(zl->workqueue\) waits/ }],
      },
    ],
  });
});
