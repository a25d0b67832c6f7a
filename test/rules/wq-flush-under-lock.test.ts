// wq-flush-under-lock: cases written for these tests. The shape is loop
// 2021's lo_mutex held across destroy_workqueue() (syzbot
// 63614029dfb79abd4383): a driver lock held while waiting for work that
// takes the same lock — no disk->open_mutex involved.
import { describe, expect, test } from "@jest/globals";
import { RULES_BY_ID } from "../../rules/index.js";
import { findingsFor, ruleTester } from "../helpers/ruleTester.js";
import { W_UNDER_OWN_LOCK } from "./wq-fixtures.js";

const PATH = "drivers/block/w.c";

// The work function takes d->lock through a helper; the stop path holds it
// while it destroys the workqueue the work runs on.
const WQ_UNDER_LOCK = (stop: string) => `
struct wdev {
	struct mutex lock;
	struct workqueue_struct *wq;
	struct work_struct work;
	int count;
};

static void w_count(struct wdev *d)
{
	mutex_lock(&d->lock);
	d->count++;
	mutex_unlock(&d->lock);
}

static void w_fn(struct work_struct *work)
{
	struct wdev *d = container_of(work, struct wdev, work);

	w_count(d);
}

static void w_init(struct wdev *d)
{
	d->wq = alloc_workqueue("w", 0, 0);
	INIT_WORK(&d->work, w_fn);
	queue_work(d->wq, &d->work);
}

static void w_stop(struct wdev *d)
{
${stop}
}
`;

// oxu210hp 2020: oxu_bus_suspend() held oxu->lock across del_timer_sync()
// of the watchdog, whose callback takes oxu->lock; chipidea's
// ci_otg_del_timer() the same with hrtimer_cancel().
const TIMER_UNDER_LOCK = (stop: string, cbLock = "t->lock") => `
struct tdev {
	spinlock_t lock;
	spinlock_t other;
	struct timer_list watchdog;
	struct hrtimer hr;
	int armed;
};

static void t_watchdog(struct timer_list *timer)
{
	struct tdev *t = from_timer(t, timer, watchdog);

	spin_lock_irq(&${cbLock});
	t->armed = 0;
	spin_unlock_irq(&${cbLock});
}

static enum hrtimer_restart t_hr_fn(struct hrtimer *hr)
{
	struct tdev *t = container_of(hr, struct tdev, hr);
	unsigned long flags;

	spin_lock_irqsave(&${cbLock}, flags);
	t->armed = 0;
	spin_unlock_irqrestore(&${cbLock}, flags);
	return HRTIMER_NORESTART;
}

static void t_init(struct tdev *t)
{
	timer_setup(&t->watchdog, t_watchdog, 0);
	hrtimer_init(&t->hr, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	t->hr.function = t_hr_fn;
}

static void t_stop(struct tdev *t)
{
${stop}
}
`;

// scst 2010: a sysfs store held scst_mutex across kthread_stop() of a
// command thread whose processing path takes scst_mutex.
const THREAD_UNDER_LOCK = (stop: string) => `
struct kdev {
	struct mutex lock;
	struct task_struct *thr;
	int done;
};

static int k_thread(void *arg)
{
	struct kdev *k = arg;

	while (!kthread_should_stop()) {
		mutex_lock(&k->lock);
		k->done++;
		mutex_unlock(&k->lock);
	}
	return 0;
}

static int k_start(struct kdev *k)
{
	k->thr = kthread_run(k_thread, k, "k");
	return 0;
}

static void k_stop(struct kdev *k)
{
${stop}
}
`;

// mpi3mr 6.1: one struct type for several command slots of the controller,
// each with its own mutex; the bsg path holds one slot's while the fault
// work takes another's.
const MEMBERS = (held: string) => `
struct drv_cmd { struct mutex mutex; int state; };
struct ioc { struct drv_cmd init_cmds; struct drv_cmd bsg_cmds; struct work_struct fault_work; };

static void ioc_fault_work(struct work_struct *w)
{
	struct ioc *ioc = container_of(w, struct ioc, fault_work);

	mutex_lock(&ioc->init_cmds.mutex);
	ioc->init_cmds.state = 0;
	mutex_unlock(&ioc->init_cmds.mutex);
}

static void ioc_init(struct ioc *ioc)
{
	INIT_WORK(&ioc->fault_work, ioc_fault_work);
}

static void ioc_bsg_cmd(struct ioc *ioc)
{
	mutex_lock(&ioc->${held}.mutex);
	cancel_work_sync(&ioc->fault_work);
	mutex_unlock(&ioc->${held}.mutex);
}
`;

const HOLDS = "\tmutex_lock(&d->lock);\n\tdestroy_workqueue(d->wq);\n\tmutex_unlock(&d->lock);";
const DROPS_FIRST = "\tmutex_lock(&d->lock);\n\td->count = 0;\n\tmutex_unlock(&d->lock);\n\tdestroy_workqueue(d->wq);";

describe("wq-flush-under-lock", () => {
  ruleTester("wq-flush-under-lock", {
    valid: [
      {
        name: "the lock is dropped before the workqueue is destroyed (the shape of loop's dfb2cc3b7f7e)",
        files: { [PATH]: WQ_UNDER_LOCK(DROPS_FIRST) },
      },
      {
        name: "flushing under a driver lock the work never takes",
        files: {
          [PATH]: `
static void w_fn(struct work_struct *work) { pr_info("w\\n"); }
static void w_init(struct wdev *d) { INIT_WORK(&d->work, w_fn); }
static void w_stop(struct wdev *d)
{
	mutex_lock(&d->lock);
	cancel_work_sync(&d->work);
	mutex_unlock(&d->lock);
}`,
        },
      },
      {
        name: "del_timer_sync() after the lock is dropped (oxu210hp's fix)",
        files: { [PATH]: TIMER_UNDER_LOCK("\tspin_lock_irq(&t->lock);\n\tt->armed = 1;\n\tspin_unlock_irq(&t->lock);\n\tdel_timer_sync(&t->watchdog);") },
      },
      {
        name: "del_timer_sync() under a lock its callback does not take",
        files: { [PATH]: TIMER_UNDER_LOCK("\tspin_lock_irq(&t->lock);\n\tdel_timer_sync(&t->watchdog);\n\tspin_unlock_irq(&t->lock);", "t->other") },
      },
      {
        // rbd 6.1: rbd_dev_image_probe() holds the child's header_rwsem and probes the parent
        // (rbd_dev_probe_parent() → rbd_dev_image_probe(parent)), whose error path cancels the parent's work.
        name: "a wait reached by re-entering the holding function (the parent object's probe): not this object's lock",
        files: {
          [PATH]: `
struct img { struct rw_semaphore hdr; struct img *parent; struct work_struct watch; };

static void img_watch(struct work_struct *w)
{
	struct img *d = container_of(w, struct img, watch);

	down_write(&d->hdr);
	up_write(&d->hdr);
}

static int img_probe(struct img *d, int depth);

static int img_probe_parent(struct img *d, int depth)
{
	return d->parent ? img_probe(d->parent, depth + 1) : 0;
}

/* A parent image: its own error path cancels its own watch. */
static int img_probe_deep(struct img *d)
{
	int ret = img_setup(d);

	if (ret)
		cancel_work_sync(&d->watch);
	return ret;
}

static int img_probe(struct img *d, int depth)
{
	int ret;

	INIT_WORK(&d->watch, img_watch);
	if (depth)
		return img_probe_deep(d);
	down_write(&d->hdr);
	ret = img_probe_parent(d, depth);
	up_write(&d->hdr);
	return ret;
}
`,
        },
      },
      {
        name: "the work takes another embedded member's mutex of the same class (mpi3mr's command slots)",
        files: { [PATH]: MEMBERS("bsg_cmds") },
      },
      {
        // aic79xx 6.1: ahd_handle_hwerrint() calls panic() and only then ahd_free() (del_timer_sync()).
        name: "a wait after panic() under the lock: that path never runs",
        files: { [PATH]: TIMER_UNDER_LOCK("\tspin_lock_irq(&t->lock);\n\tpanic(\"t: fatal\");\n\tdel_timer_sync(&t->watchdog);\n\tspin_unlock_irq(&t->lock);") },
      },
      {
        name: "kthread_stop() after the lock is dropped",
        files: { [PATH]: THREAD_UNDER_LOCK("\tmutex_lock(&k->lock);\n\tk->done = 0;\n\tmutex_unlock(&k->lock);\n\tkthread_stop(k->thr);") },
      },
      {
        name: "waiting with disk->open_mutex held is wq-flush-under-open-mutex's, not this rule's",
        files: {
          [PATH]: `
static void w_fn(struct work_struct *work)
{
	struct wdev *d = container_of(work, struct wdev, work);

	mutex_lock(&d->disk->open_mutex);
	mutex_unlock(&d->disk->open_mutex);
}
static void w_init(struct wdev *d) { INIT_WORK(&d->work, w_fn); }
static void w_release(struct gendisk *disk, fmode_t mode)
{
	struct wdev *d = disk->private_data;

	cancel_work_sync(&d->work);
}
static const struct block_device_operations w_fops = { .release = w_release };`,
        },
      },
    ],
    invalid: [
      {
        name: "cancel_work_sync() under a lock that the work function takes",
        files: { [PATH]: W_UNDER_OWN_LOCK },
        errors: [{ severity: "error", function: "w_stop", line: 14, message: /^w_stop\(\) holds d->lock and cancel_work_sync\(&d->work\) waits for the work function w_fn\(\); that work takes d->lock \(w_fn\(\)\): deadlock\.$/ }],
      },
      {
        name: "destroy_workqueue() under the lock its work takes through a helper (loop 2021, lo_mutex)",
        files: { [PATH]: WQ_UNDER_LOCK(HOLDS) },
        errors: [{ severity: "error", function: "w_stop", line: 33, message: /^w_stop\(\) holds d->lock and destroy_workqueue\(d->wq\) waits for every work item queued on d->wq; that work takes d->lock \(w_fn\(\)\)/ }],
      },
      {
        name: "del_timer_sync() under the lock the timer callback takes (oxu210hp, 2020)",
        files: { [PATH]: TIMER_UNDER_LOCK("\tspin_lock_irq(&t->lock);\n\tdel_timer_sync(&t->watchdog);\n\tspin_unlock_irq(&t->lock);") },
        errors: [{ severity: "error", function: "t_stop", message: /^t_stop\(\) holds t->lock and del_timer_sync\(&t->watchdog\) waits for the timer callback t_watchdog\(\); that callback takes t->lock \(t_watchdog\(\)\): deadlock\.$/ }],
      },
      {
        name: "hrtimer_cancel() of a timer whose callback was stored in .function (chipidea, 2020)",
        files: { [PATH]: TIMER_UNDER_LOCK("\tunsigned long flags;\n\n\tspin_lock_irqsave(&t->lock, flags);\n\thrtimer_cancel(&t->hr);\n\tspin_unlock_irqrestore(&t->lock, flags);") },
        errors: [{ severity: "error", function: "t_stop", message: /hrtimer_cancel\(&t->hr\) waits for the timer callback t_hr_fn\(\)/ }],
      },
      {
        name: "the work takes the same member's mutex: reported",
        files: { [PATH]: MEMBERS("init_cmds") },
        errors: [{ severity: "error", function: "ioc_bsg_cmd", message: /holds ioc->init_cmds.mutex and cancel_work_sync\(&ioc->fault_work\)/ }],
      },
      {
        // s390 qeth 2020: qeth_remove_discipline() holds discipline_mutex across cancel_work_sync();
        // the work calls ccwgroup_set_offline(), which runs the driver's .set_offline, which takes it.
        name: "the way back goes through a kernel API that runs the driver's ops slot (ccwgroup_set_offline → .set_offline)",
        files: {
          "drivers/s390/net/zeth.c": `
struct zcard { struct mutex disc_mutex; struct work_struct close_work; struct ccwgroup_device *gdev; int online; };

static int zeth_set_offline(struct ccwgroup_device *gdev)
{
	struct zcard *card = dev_get_drvdata(&gdev->dev);

	mutex_lock(&card->disc_mutex);
	card->online = 0;
	mutex_unlock(&card->disc_mutex);
	return 0;
}

static void zeth_close_work(struct work_struct *work)
{
	struct zcard *card = container_of(work, struct zcard, close_work);

	ccwgroup_set_offline(card->gdev);
}

static void zeth_setup(struct zcard *card)
{
	INIT_WORK(&card->close_work, zeth_close_work);
}

static void zeth_remove_discipline(struct zcard *card)
{
	mutex_lock(&card->disc_mutex);
	cancel_work_sync(&card->close_work);
	mutex_unlock(&card->disc_mutex);
}

static struct ccwgroup_driver zeth_ccwgroup_driver = {
	.set_offline = zeth_set_offline,
};
`,
        },
        errors: [{ severity: "error", function: "zeth_remove_discipline", message: /cancel_work_sync\(&card->close_work\) waits for the work function zeth_close_work\(\); that work takes card->disc_mutex/ }],
      },
      {
        name: "kthread_stop() under a lock the thread function takes",
        files: { [PATH]: THREAD_UNDER_LOCK("\tmutex_lock(&k->lock);\n\tkthread_stop(k->thr);\n\tmutex_unlock(&k->lock);") },
        errors: [{ severity: "error", function: "k_stop", message: /kthread_stop\(k->thr\) waits for the thread function k_thread\(\); that thread takes k->lock/ }],
      },
      {
        name: "two callers holding the lock reach the same kthread_stop(): one finding each, naming the other",
        files: { [PATH]: THREAD_UNDER_LOCK("\tkthread_stop(k->thr);") + "\nstatic void k_reset(struct kdev *k)\n{\n\tmutex_lock(&k->lock);\n\tk_stop(k);\n\tmutex_unlock(&k->lock);\n}\n\nstatic void k_remove(struct kdev *k)\n{\n\tmutex_lock(&k->lock);\n\tk->done = -1;\n\tk_stop(k);\n\tmutex_unlock(&k->lock);\n}\n" },
        errors: [
          { severity: "error", function: "k_reset", message: /\(also reached with it held from k_remove\(\)\): deadlock\.$/ },
          { severity: "error", function: "k_remove", message: /\(also reached with it held from k_reset\(\)\): deadlock\.$/ },
        ],
      },
      {
        // scst_cm_dev_unregister() → scst_acg_del_lun() (lockdep_assert_held(&scst_mutex)) → … → kthread_stop().
        name: "a caller reaching the wait through a helper that asserts the lock: the helper's finding only",
        files: { [PATH]: THREAD_UNDER_LOCK("\tlockdep_assert_held(&k->lock);\n\tkthread_stop(k->thr);") + "\nstatic void k_unregister(struct kdev *k)\n{\n\tmutex_lock(&k->lock);\n\tk_stop(k);\n\tmutex_unlock(&k->lock);\n}\n" },
        errors: [{ severity: "error", function: "k_stop", message: /^k_stop\(\) holds k->lock and kthread_stop\(k->thr\) waits for the thread function k_thread\(\); that thread takes k->lock \(k_thread\(\)\): deadlock\.$/ }],
      },
      {
        name: "a patch that moves destroy_workqueue() under the lock: introduced on the added line",
        change: { path: PATH, before: WQ_UNDER_LOCK(DROPS_FIRST), after: WQ_UNDER_LOCK(HOLDS), inTree: true },
        errors: [{ status: "introduced", severity: "error", function: "w_stop", line: 33 }],
      },
    ],
  });

  test("its own message, fix and incidents: nothing about open_mutex, ->release or the loop open_mutex incident", async () => {
    const [f] = await findingsFor("wq-flush-under-lock", { name: "", files: { [PATH]: WQ_UNDER_LOCK(HOLDS) } });
    expect(f!.message).not.toMatch(/open_mutex/);
    const meta = RULES_BY_ID.get("wq-flush-under-lock")!.meta;
    const openMeta = RULES_BY_ID.get("wq-flush-under-open-mutex")!.meta;
    expect(meta.fix).not.toMatch(/open_mutex|->release|free_disk/);
    expect(meta.incidents.map((i) => i.url)).toEqual(["https://lore.kernel.org/r/8ebe3b2e-8975-7f26-0620-7144a3b8b8cd@i-love.sakura.ne.jp", "https://syzkaller.appspot.com/bug?extid=63614029dfb79abd4383"]);
    for (const i of meta.incidents) expect(openMeta.incidents).not.toContainEqual(i);
  });
});
