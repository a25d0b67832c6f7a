// wq-not-drained-on-exit: cases written for these tests, modelled on nbd's
// 68c9417b193d (seed 000: nbd_del_wq destroyed in nbd_cleanup() and on the
// init error path) and drbd 2022 (a per-device workqueue never destroyed).
import { describe } from "@jest/globals";
import { ruleTester } from "../helpers/ruleTester.js";

const PATH = "drivers/block/qdev.c";

// qdev_init's body starts at line 7; qdev_cleanup's at line 24.
const module = (errPath: string, exit: string) => `
static struct workqueue_struct *qdev_del_wq;
static struct genl_family qdev_genl_family;

static int __init qdev_init(void)
{
	if (register_blkdev(QDEV_MAJOR, "qdev"))
		return -EIO;

	qdev_del_wq = alloc_workqueue("qdev-del", WQ_UNBOUND, 0);
	if (!qdev_del_wq) {
		unregister_blkdev(QDEV_MAJOR, "qdev");
		return -ENOMEM;
	}

	if (genl_register_family(&qdev_genl_family)) {
${errPath}		unregister_blkdev(QDEV_MAJOR, "qdev");
		return -EINVAL;
	}
	return 0;
}

static void __exit qdev_cleanup(void)
{
${exit}	genl_unregister_family(&qdev_genl_family);
	unregister_blkdev(QDEV_MAJOR, "qdev");
}

module_init(qdev_init);
module_exit(qdev_cleanup);
`;

const DESTROY_ERR = "\t\tdestroy_workqueue(qdev_del_wq);\n";
const DESTROY_EXIT = "\tdestroy_workqueue(qdev_del_wq);\n";

const devices = (remove: string) => `
struct rdev { struct work_struct reset_work; int id; };

static void rdev_reset_work(struct work_struct *work)
{
	struct rdev *rd = container_of(work, struct rdev, reset_work);

	rd->id = 0;
}

static struct rdev *rdev_create(void)
{
	struct rdev *rd = kzalloc(sizeof(*rd), GFP_KERNEL);

	INIT_WORK(&rd->reset_work, rdev_reset_work);
	return rd;
}

static void rdev_error(struct rdev *rd)
{
	schedule_work(&rd->reset_work);
}

static void rdev_remove(struct rdev *rd)
{
${remove}	kfree(rd);
}
`;

describe("wq-not-drained-on-exit", () => {
  ruleTester("wq-not-drained-on-exit", {
    valid: [
      { name: "destroyed in module exit and on the init error path (nbd 68c9417b193d)", files: { [PATH]: module(DESTROY_ERR, DESTROY_EXIT) } },
      { name: "work cancelled before the object is freed", files: { "drivers/block/r.c": devices("\tcancel_work_sync(&rd->reset_work);\n") } },
      {
        name: "a work function freeing its own object",
        files: {
          "drivers/block/r.c": `
struct rdev { struct work_struct free_work; };
static void rdev_free_work(struct work_struct *work)
{
	struct rdev *rd = container_of(work, struct rdev, free_work);

	kfree(rd);
}
static void rdev_put(struct rdev *rd) { INIT_WORK(&rd->free_work, rdev_free_work); schedule_work(&rd->free_work); }`,
        },
      },
      {
        // nvme fcloop's fcloop_fcpreq: each work ends by dropping the request's reference; the kref release frees it.
        name: "the work drops its object's reference itself, and the release frees it",
        files: {
          "drivers/nvme/target/floop.c": `
struct freq { struct kref ref; struct work_struct rcv_work; struct work_struct done_work; int status; };

static void freq_free(struct kref *ref)
{
	struct freq *req = container_of(ref, struct freq, ref);

	kfree(req);
}

static void freq_put(struct freq *req)
{
	kref_put(&req->ref, freq_free);
}

static void freq_host_done(struct freq *req, int status)
{
	req->status = status;
	freq_put(req);
}

static void freq_rcv_work(struct work_struct *work)
{
	struct freq *req = container_of(work, struct freq, rcv_work);

	if (freq_submit(req))
		freq_host_done(req, -EIO);
}

static void freq_done_work(struct work_struct *work)
{
	struct freq *req = container_of(work, struct freq, done_work);

	freq_host_done(req, req->status);
}

static int freq_start(void)
{
	struct freq *req = kzalloc(sizeof(*req), GFP_ATOMIC);

	if (!req)
		return -ENOMEM;
	INIT_WORK(&req->rcv_work, freq_rcv_work);
	INIT_WORK(&req->done_work, freq_done_work);
	kref_init(&req->ref);
	queue_work(nvmet_wq, &req->rcv_work);
	return 0;
}

static void freq_complete(struct freq *req)
{
	queue_work(nvmet_wq, &req->done_work);
}
`,
        },
      },
      {
        // dm.c: dm_exit() runs `_exits[i]()` over a table whose local_exit() destroys the workqueue.
        name: "module exit destroys the workqueue through a table of exit functions",
        files: {
          "drivers/md/dmx.c": `
static struct workqueue_struct *dmx_remove_wq;
static void dmx_remove_work(struct work_struct *w);
static DECLARE_WORK(dmx_work, dmx_remove_work);

static int __init local_init(void)
{
	dmx_remove_wq = alloc_workqueue("kdmremove", WQ_UNBOUND, 0);
	if (!dmx_remove_wq)
		return -ENOMEM;
	return 0;
}

static void local_exit(void)
{
	flush_scheduled_work();
	destroy_workqueue(dmx_remove_wq);
}

static void target_exit(void)
{
}

static int (*_inits[])(void) __initdata = { local_init };
static void (*_exits[])(void) = {
	local_exit,
	target_exit,
};

static void dmx_remove_work(struct work_struct *w)
{
}

static void dmx_queue(void)
{
	queue_work(dmx_remove_wq, &dmx_work);
}

static int __init dmx_init(void)
{
	int r = _inits[0]();

	return r;
}

static void __exit dmx_exit(void)
{
	int i = ARRAY_SIZE(_exits);

	while (i--)
		_exits[i]();
}

module_init(dmx_init);
module_exit(dmx_exit);
`,
        },
      },
      {
        // scsi_transport_fc's fc_remove_host(): one local takes each queue in turn.
        name: "workqueues destroyed through a local reused for each of them",
        files: {
          "drivers/scsi/xport.c": `
struct xhost { struct workqueue_struct *work_q; struct workqueue_struct *devloss_work_q; };
static int xhost_setup(struct xhost *h)
{
	h->work_q = alloc_workqueue("x_wq", 0, 0);
	if (!h->work_q)
		return -ENOMEM;
	h->devloss_work_q = alloc_workqueue("x_dl", 0, 0);
	if (!h->devloss_work_q) {
		destroy_workqueue(h->work_q);
		h->work_q = NULL;
		return -ENOMEM;
	}
	return 0;
}
static void xhost_remove(struct xhost *h)
{
	struct workqueue_struct *work_q;

	if (h->work_q) {
		work_q = h->work_q;
		h->work_q = NULL;
		destroy_workqueue(work_q);
	}
	if (h->devloss_work_q) {
		work_q = h->devloss_work_q;
		h->devloss_work_q = NULL;
		destroy_workqueue(work_q);
	}
}`,
        },
      },
      {
        name: "per-device workqueue destroyed in the free path",
        files: {
          "drivers/block/d.c": `
struct ddev { struct workqueue_struct *submit_wq; };
static int ddev_create(struct ddev *d)
{
	d->submit_wq = alloc_ordered_workqueue("ddev_submit", WQ_MEM_RECLAIM);
	if (!d->submit_wq)
		return -ENOMEM;
	return 0;
}
static void ddev_free(struct ddev *d)
{
	destroy_workqueue(d->submit_wq);
	kfree(d);
}`,
        },
      },
    ],
    invalid: [
      {
        name: "module exit never destroys the workqueue (and waits for no work at all): error",
        files: { [PATH]: module(DESTROY_ERR, "") },
        errors: [{ severity: "error", function: "qdev_init", line: 10, message: /^qdev_del_wq is allocated here but qdev_cleanup\(\) \(module exit\) never destroys it; the exit path waits for no work at all/ }],
      },
      {
        name: "the init error path returns without destroying the workqueue",
        files: { [PATH]: module("", DESTROY_EXIT) },
        errors: [{ severity: "warning", function: "qdev_init", line: 18, message: /^qdev_init\(\) returns an error at line 18 after allocating qdev_del_wq \(line 10\) without destroy_workqueue\(qdev_del_wq\)\.$/ }],
      },
      {
        name: "a patch that drops the destroy from module exit: introduced",
        change: { path: PATH, before: module(DESTROY_ERR, DESTROY_EXIT), after: module(DESTROY_ERR, ""), inTree: true },
        errors: [{ status: "introduced", severity: "error", function: "qdev_init", line: 10 }],
      },
      {
        name: "an object freed while its work may still be queued",
        files: { "drivers/block/r.c": devices("") },
        errors: [{ severity: "warning", function: "rdev_remove", line: 26, message: /^rdev_remove\(\) frees rd \(struct rdev\) while reset_work \(rdev_reset_work\(\)\) may still be queued/ }],
      },
      {
        // drbd 2022: drbd_create_device() allocated the submit workqueue; the free path never destroyed it.
        name: "per-device workqueue never destroyed anywhere in the driver (drbd 2022)",
        files: {
          "drivers/block/d.c": `
struct ddev { struct workqueue_struct *submit_wq; };
static int ddev_create(struct ddev *d)
{
	d->submit_wq = alloc_ordered_workqueue("ddev_submit", WQ_MEM_RECLAIM);
	if (!d->submit_wq)
		return -ENOMEM;
	return 0;
}
static void ddev_free(struct ddev *d)
{
	kfree(d);
}`,
        },
        errors: [{ severity: "warning", function: "ddev_create", line: 5, message: /nothing in the driver destroys it/ }],
      },
      {
        name: "a reused local names what it was last set from: the other queue is never destroyed",
        files: {
          "drivers/scsi/xport.c": `
struct xhost { struct workqueue_struct *work_q; struct workqueue_struct *devloss_work_q; };
static int xhost_setup(struct xhost *h)
{
	h->work_q = alloc_workqueue("x_wq", 0, 0);
	h->devloss_work_q = alloc_workqueue("x_dl", 0, 0);
	return 0;
}
static void xhost_remove(struct xhost *h)
{
	struct workqueue_struct *work_q;

	work_q = h->work_q;
	work_q = h->devloss_work_q;
	destroy_workqueue(work_q);
}`,
        },
        errors: [{ severity: "warning", function: "xhost_setup", line: 5, message: /h->work_q \(xhost.work_q\) is allocated here but nothing in the driver destroys it/ }],
      },
    ],
  });
});
