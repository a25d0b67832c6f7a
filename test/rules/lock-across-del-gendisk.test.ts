// lock-across-del-gendisk: valid/invalid cases written for these tests,
// modelled on nbd 2021 (seed 000, syzbot 0fe7752e52337864d29b) and loop 2021.
import { describe, expect, test } from "@jest/globals";
import { RULES_BY_ID } from "../../rules/index.js";
import { analyseC } from "../helpers/engine.js";
import { ruleTester } from "../helpers/ruleTester.js";

const PATH = "drivers/block/xdev.c";

// A small nbd-like driver. Line numbers in the expectations refer to this
// layout: xdev_put's body starts at line 13, xdev_open's at 22.
const driver = (put: string, open: string, release: string) => `
static DEFINE_MUTEX(xdev_index_mutex);

static void xdev_remove(struct xdev *xd)
{
	del_gendisk(xd->disk);
	put_disk(xd->disk);
	kfree(xd);
}

static void xdev_put(struct xdev *xd)
{
${put}
}

static int xdev_open(struct block_device *bdev, fmode_t mode)
{
${open}
	return 0;
}

static void xdev_release(struct gendisk *disk, fmode_t mode)
{
	struct xdev *xd = disk->private_data;

${release}
}

static const struct block_device_operations xdev_fops = {
	.owner = THIS_MODULE,
	.open = xdev_open,
	.release = xdev_release,
};
`;

// nbd before 68c9417b193d: the last put takes the index mutex and removes the disk under it.
const PUT_UNDER_LOCK = `	if (refcount_dec_and_mutex_lock(&xd->refs, &xdev_index_mutex)) {
		idr_remove(&xdev_idr, xd->index);
		xdev_remove(xd);
		mutex_unlock(&xdev_index_mutex);
	}`;

// nbd after 6e4df4c64881: the mutex only covers the idr.
const PUT_SCOPED = `	if (!refcount_dec_and_test(&xd->refs))
		return;
	mutex_lock(&xdev_index_mutex);
	idr_remove(&xdev_idr, xd->index);
	mutex_unlock(&xdev_index_mutex);
	xdev_remove(xd);`;

const OPEN_LOCKS = `	mutex_lock(&xdev_index_mutex);
	mutex_unlock(&xdev_index_mutex);`;
const OPEN_PLAIN = `	bdev->bd_disk->private_data = NULL;`;
const RELEASE_PUT = `	xdev_put(xd);`;
const RELEASE_PLAIN = `	xd->opened--;`;

// Two small functions, close enough that one patch shows both whole.
const YDEV = (lock: string, unlock: string, check: string) => `
static DEFINE_MUTEX(ydev_ctl_mutex);

static void ydev_remove(struct ydev *yd)
{
${lock}	idr_remove(&ydev_idr, yd->index);
	del_gendisk(yd->disk);
${unlock}	put_disk(yd->disk);
}

static int ydev_open(struct block_device *bdev, fmode_t mode)
{
	struct ydev *yd;

	mutex_lock(&ydev_ctl_mutex);
	yd = bdev->bd_disk->private_data;
${check}
	mutex_unlock(&ydev_ctl_mutex);
	return 0;
}
`;

describe("lock-across-del-gendisk", () => {
  ruleTester("lock-across-del-gendisk", {
    valid: [
      {
        name: "the lock only covers the idr; del_gendisk() runs after it is released (nbd 6e4df4c64881)",
        files: { [PATH]: driver(PUT_SCOPED, OPEN_LOCKS, RELEASE_PLAIN) },
      },
      {
        name: "the lock is never taken under open_mutex: only a note, hidden by default",
        files: { [PATH]: driver(PUT_UNDER_LOCK, OPEN_PLAIN, RELEASE_PLAIN) },
      },
      {
        name: "del_gendisk() under the lock only in #if 0 code",
        files: {
          [PATH]: driver(`	mutex_lock(&xdev_index_mutex);
#if 0
	del_gendisk(xd->disk);
#endif
	mutex_unlock(&xdev_index_mutex);`, OPEN_LOCKS, RELEASE_PLAIN),
        },
      },
      {
        name: "del_gendisk() from a work function (the deferral of nbd 68c9417b193d)",
        files: {
          [PATH]: `
static DEFINE_MUTEX(xdev_index_mutex);
static void xdev_remove_work(struct work_struct *work)
{
	struct xdev *xd = container_of(work, struct xdev, remove_work);

	del_gendisk(xd->disk);
	mutex_lock(&xdev_index_mutex);
	idr_remove(&xdev_idr, xd->index);
	mutex_unlock(&xdev_index_mutex);
}
static void xdev_add(struct xdev *xd) { INIT_WORK(&xd->remove_work, xdev_remove_work); }
static int xdev_open(struct block_device *bdev, fmode_t mode) { mutex_lock(&xdev_index_mutex); mutex_unlock(&xdev_index_mutex); return 0; }
static const struct block_device_operations xdev_fops = { .open = xdev_open };`,
        },
      },
      {
        name: "a patch that leaves an existing deadlock alone reports nothing by default",
        change: {
          path: PATH,
          before: driver(PUT_UNDER_LOCK, OPEN_LOCKS, RELEASE_PLAIN),
          after: driver(PUT_UNDER_LOCK, OPEN_LOCKS, RELEASE_PLAIN).replace("put_disk(xd->disk);", "put_disk(xd->disk);\n\txd->disk = NULL;"),
          inTree: true,
        },
      },
    ],
    invalid: [
      {
        // nbd 2021: nbd_put → nbd_dev_remove → del_gendisk under nbd_index_mutex,
        // and the AA variant nbd_release → nbd_put → del_gendisk.
        name: "nbd_put() shape: AB-BA with ->open and AA through ->release",
        files: { [PATH]: driver(PUT_UNDER_LOCK, OPEN_LOCKS, RELEASE_PUT) },
        errors: [
          {
            severity: "error", function: "xdev_put", line: 15,
            message: /^xdev_put\(\) holds xdev_index_mutex across del_gendisk\(\) \(via xdev_remove\(\)\) when the last reference is dropped; xdev_(open|release)\(\) takes xdev_index_mutex under disk->open_mutex \(blkdev_(get|put)_whole\(\) calls ->(open|release)\(\) with disk->open_mutex held\), which del_gendisk\(\) also takes: AB-BA deadlock\.$/,
          },
          { severity: "error", function: "xdev_release", line: 31, message: /^xdev_release\(\) runs with disk->open_mutex held .* reaches del_gendisk\(\) \(via xdev_put\(\) → xdev_remove\(\)\) on the last-reference path, which takes disk->open_mutex again: AA deadlock\.$/ },
        ],
      },
      {
        name: "with notes shown: the lock held across del_gendisk without a visible cycle is a note",
        files: { [PATH]: driver(PUT_UNDER_LOCK, OPEN_PLAIN, RELEASE_PLAIN) },
        showNotes: true,
        errors: [{ severity: "note", function: "xdev_put", line: 15, message: /Not a deadlock in the analysed code/ }],
      },
      {
        name: "hunks only: the patch shows the lock, the call and the open path",
        change: {
          path: "drivers/block/ydev.c",
          before: YDEV("", "", "\tif (!yd)\n\t\treturn -ENXIO;"),
          after: YDEV("\tmutex_lock(&ydev_ctl_mutex);\n", "\tmutex_unlock(&ydev_ctl_mutex);\n", "\tif (!yd || yd->dead)\n\t\treturn -ENXIO;"),
        },
        errors: [{ status: "introduced", severity: "error", function: "ydev_remove", line: 6, message: /^ydev_remove\(\) holds ydev_ctl_mutex across del_gendisk\(\); ydev_open\(\) takes ydev_ctl_mutex under disk->open_mutex/ }],
      },
      {
        name: "the patch adds only the other half (a new lock in ->open): introduced at the new line",
        change: {
          path: PATH,
          before: driver(PUT_UNDER_LOCK, OPEN_PLAIN, RELEASE_PLAIN),
          after: driver(PUT_UNDER_LOCK, OPEN_LOCKS, RELEASE_PLAIN),
          inTree: true,
        },
        errors: [{ status: "introduced", severity: "error", function: "xdev_open", line: 22 }],
      },
      {
        name: "the reverse patch (the fix) is reported as fixed",
        change: {
          path: PATH,
          before: driver(PUT_UNDER_LOCK, OPEN_LOCKS, RELEASE_PLAIN),
          after: driver(PUT_SCOPED, OPEN_LOCKS, RELEASE_PLAIN),
          inTree: true,
        },
        errors: [{ status: "fixed", severity: "error", function: "xdev_put", line: 15, message: /^Fixed by this patch: xdev_put\(\) holds xdev_index_mutex across del_gendisk\(\)/ }],
      },
    ],
  });

  // Issue 13: "Can virtblk_remove() be reached with vblk->vdev_mutex held here?"
  // when virtblk_remove() takes that lock itself. The question asks what the
  // code does not say.
  describe("the reviewer's question", () => {
    const rule = RULES_BY_ID.get("lock-across-del-gendisk")!;
    const question = async (src: string) => {
      const fops = "static const struct block_device_operations ydev_fops = { .open = ydev_open };\n";
      const [f] = rule.check({ analysis: await analyseC({ "drivers/block/ydev.c": src + fops }), image: "post", kind: "file" });
      return f!.question;
    };

    test("a function that takes the lock itself is not asked whether it holds it; the open race is the question", async () => {
      const q = await question(YDEV("\tmutex_lock(&ydev_ctl_mutex);\n", "\tmutex_unlock(&ydev_ctl_mutex);\n", ""));
      expect(q).not.toMatch(/be reached with|Is ydev_ctl_mutex held/);
      expect(q).toMatch(/^Can the disk still be opened at this point\? ydev_remove\(\) holds ydev_ctl_mutex here, del_gendisk\(\) takes disk->open_mutex, and ydev_open\(\) takes ydev_ctl_mutex under it/);
    });

    test("a lock held on some paths only: whether it is held is what is asked", async () => {
      const q = await question(YDEV("\tif (yd->busy)\n\t\tmutex_lock(&ydev_ctl_mutex);\n", "\tif (yd->busy)\n\t\tmutex_unlock(&ydev_ctl_mutex);\n", ""));
      expect(q).toMatch(/^Is ydev_ctl_mutex held when this runs, and can the disk still be opened then\? ydev_remove\(\) holds ydev_ctl_mutex on some paths to this line/);
    });
  });
});
