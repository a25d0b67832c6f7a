// caller-lock-dropped: cases written for these tests, modelled on the
// rejected loop approach of seed 001 (mutex_unlock(&lo->lo_disk->open_mutex)
// inside lo_release) and on genl .doit handlers.
import { describe } from "@jest/globals";
import { ruleTester } from "../helpers/ruleTester.js";

const PATH = "drivers/block/zloop.c";

// zl_release's body starts at line 12.
const release = (body: string) => `
struct zloop { struct mutex zl_mutex; struct gendisk *zl_disk; };

static void zl_clr_fd(struct zloop *zl)
{
	destroy_workqueue(zl->workqueue);
}

static void zl_release(struct gendisk *disk, fmode_t mode)
{
	struct zloop *zl = disk->private_data;
${body}
}

static const struct block_device_operations zl_fops = {
	.release = zl_release,
};
`;

describe("caller-lock-dropped", () => {
  ruleTester("caller-lock-dropped", {
    valid: [
      {
        name: "a driver-internal drop-and-wait loop is only a note, hidden by default",
        files: {
          "drivers/block/h.c": `
static void h_wait_idle(struct hdev *h)
{
	mutex_unlock(&h->lock);
	wait_event(h->wq, !h->busy);
	mutex_lock(&h->lock);
}
static void h_reset(struct hdev *h)
{
	mutex_lock(&h->lock);
	h_wait_idle(h);
	mutex_unlock(&h->lock);
}`,
        },
      },
      {
        name: "unlock of a lock taken through a helper (lock wrapper)",
        files: {
          "drivers/block/h.c": `
static void h_lock(struct hdev *h) { mutex_lock(&h->lock); }
static void h_op(struct hdev *h)
{
	h_lock(h);
	h->n++;
	mutex_unlock(&h->lock);
}`,
        },
      },
      {
        name: "an unlock helper called by the function that took the lock",
        files: {
          "drivers/block/h.c": `
static void h_unlock(struct hdev *h) { mutex_unlock(&h->lock); }
static void h_op(struct hdev *h)
{
	mutex_lock(&h->lock);
	h->n++;
	h_unlock(h);
}`,
        },
      },
      {
        name: "->release that defers its teardown instead of dropping open_mutex (the fix taken for loop)",
        files: { [PATH]: release("\tqueue_work(system_long_wq, &zl->rundown_work);") },
      },
      {
        name: "hunks only: an unlock whose lock was taken in a part of the function the patch does not show",
        change: {
          path: "drivers/block/h.c",
          before: `static void h_op(struct hdev *h)\n{\n${"\th->x++;\n".repeat(12)}\tmutex_unlock(&h->lock);\n}\n`,
          after: `static void h_op(struct hdev *h)\n{\n${"\th->x++;\n".repeat(12)}\th->done = true;\n\tmutex_unlock(&h->lock);\n}\n`,
        },
      },
    ],
    invalid: [
      {
        // Seed 001: Tetsuo Handa's first approach, rejected by Christoph Hellwig and Jan Kara.
        name: "->release drops disk->open_mutex around a call and re-takes it (hunks only)",
        change: {
          path: PATH,
          before: release("\n\tzl_clr_fd(zl);"),
          after: release("\n\tmutex_unlock(&zl->zl_disk->open_mutex);\n\tzl_clr_fd(zl);\n\tmutex_lock(&zl->zl_disk->open_mutex);"),
        },
        errors: [
          {
            status: "introduced", severity: "warning", function: "zl_release", line: 13,
            message: /^zl_release\(\) unlocks zl->zl_disk->open_mutex, which its caller holds \(blkdev_put_whole\(\) calls ->release\(\) with disk->open_mutex held\) and re-takes it at line 15\.$/,
          },
        ],
      },
      {
        name: "genl_unlock() inside a genl .doit (genl_mutex is held by genl_rcv_msg)",
        files: {
          "drivers/block/g.c": `
static int g_doit(struct sk_buff *skb, struct genl_info *info)
{
	genl_unlock();
	flush_workqueue(g_wq);
	genl_lock();
	return 0;
}
static const struct genl_small_ops g_ops[] = {
	{ .cmd = 1, .doit = g_doit, },
};
static struct genl_family g_family = { .small_ops = g_ops, };`,
        },
        errors: [{ severity: "warning", function: "g_doit", line: 4, message: /unlocks genl_mutex, which its caller holds \(genl_rcv_msg\(\) calls the op with genl_mutex held/ }],
      },
      {
        name: "a helper drops and re-takes a lock its caller took",
        files: {
          "drivers/block/h.c": `
static void h_wait_idle(struct hdev *h)
{
	mutex_unlock(&h->lock);
	wait_event(h->wq, !h->busy);
	mutex_lock(&h->lock);
}
static void h_reset(struct hdev *h)
{
	mutex_lock(&h->lock);
	h_wait_idle(h);
	h->state = 0;
	mutex_unlock(&h->lock);
}`,
        },
        // The driver's own lock: a note (shown on request), not a warning.
        showNotes: true,
        errors: [{ severity: "note", function: "h_wait_idle", line: 4, message: /^h_wait_idle\(\) unlocks h->lock and re-takes it, but h_reset\(\) holds h->lock when it calls h_wait_idle\(\)\.$/ }],
      },
      {
        name: "lockdep_assert_held() and then an unlock of the same lock",
        files: {
          "drivers/block/h.c": `
static void h_flush(struct hdev *h)
{
	lockdep_assert_held(&h->lock);
	mutex_unlock(&h->lock);
	flush_work(&h->work);
}`,
        },
        showNotes: true,
        errors: [{ severity: "note", function: "h_flush", line: 5, message: /asserted held by lockdep_assert_held/ }],
      },
    ],
  });
});
