// lock-order-inversion: cases written for these tests, modelled on ublk 2023
// (uring_lock vs ub->mutex) and vfio/KVM 2023 (group_lock vs kvm->lock).
import { describe } from "@jest/globals";
import { ruleTester } from "../helpers/ruleTester.js";

const two = (second: string) => `
struct udev { struct mutex dev_mutex; struct mutex ctx_lock; };

static void udev_fetch(struct udev *ud)
{
	mutex_lock(&ud->ctx_lock);
	mutex_lock(&ud->dev_mutex);
	ud->fetched++;
	mutex_unlock(&ud->dev_mutex);
	mutex_unlock(&ud->ctx_lock);
}

static void udev_stop(struct udev *ud)
{
${second}
}
`;

// chaoskey 2020 (release() locked the list lock twice) and dwc3 2023
// (suspend holds dwc->lock; the gadget suspend helper takes it again).
const recursive = (release: string) => `
struct ckey { struct mutex lock; int open; };
static DEFINE_MUTEX(ckey_list_lock);

static void ckey_soft_disconnect(struct ckey *ck)
{
	mutex_lock(&ck->lock);
	ck->open = 0;
	mutex_unlock(&ck->lock);
}

static void ckey_suspend(struct ckey *ck)
{
${release}
}
`;
const NESTED_OK = `
struct znode { struct mutex lock; struct znode *parent; };

static void znode_link(struct znode *n)
{
	mutex_lock(&n->parent->lock);
	mutex_lock_nested(&n->lock, SINGLE_DEPTH_NESTING);
	n->linked = 1;
	mutex_unlock(&n->lock);
	mutex_unlock(&n->parent->lock);
}
`;

describe("lock-order-inversion", () => {
  ruleTester("lock-order-inversion", {
    valid: [
      { name: "AA with a nesting annotation (two objects of one class): not reported", files: { "drivers/usb/misc/z.c": NESTED_OK } },
      {
        name: "the lock is dropped before the helper that takes it is called",
        files: { "drivers/usb/misc/z.c": recursive("\tmutex_lock(&ck->lock);\n\tck->open++;\n\tmutex_unlock(&ck->lock);\n\tckey_soft_disconnect(ck);") },
      },
      {
        // qla82xx_wr_32() → qla82xx_crb_win_lock() → qla82xx_wr_32(ha, LOCK_ID, …): the inner call takes another branch.
        name: "a function that re-enters itself under its lock: the recursive call's arguments decide, not reported",
        files: { "drivers/usb/misc/z.c": "struct q { rwlock_t hw_lock; };\nstatic void q_win_lock(struct q *ha)\n{\n\tq_wr(ha, 7, 1);\n}\nstatic void q_wr(struct q *ha, unsigned long off, u32 v)\n{\n\tunsigned long flags;\n\n\tif (off > 1024) {\n\t\twrite_lock_irqsave(&ha->hw_lock, flags);\n\t\tq_win_lock(ha);\n\t}\n\twritel(v, off);\n\tif (off > 1024)\n\t\twrite_unlock_irqrestore(&ha->hw_lock, flags);\n}\n" },
      },
      {
        // mtd get_chip(): the chip's mutex held, the contender's taken — two objects the walk cannot tell apart by class.
        name: "a helper locks another object of the same class: not reported as recursion",
        files: { "drivers/usb/misc/z.c": recursive("\tstruct ckey *other = ck->peer;\n\n\tmutex_lock(&ck->lock);\n\tckey_soft_disconnect(other);\n\tmutex_unlock(&ck->lock);") },
      },
      {
        name: "a read lock taken twice (recursive read) is not AA",
        files: { "drivers/usb/misc/z.c": "struct r { struct rw_semaphore sem; };\nstatic void r_a(struct r *x)\n{\n\tdown_read(&x->sem);\n\tdown_read(&x->sem);\n\tup_read(&x->sem);\n\tup_read(&x->sem);\n}\n" },
      },
      {
        name: "both paths take the locks in the same order",
        files: { "drivers/block/u.c": two("\tmutex_lock(&ud->ctx_lock);\n\tmutex_lock(&ud->dev_mutex);\n\tud->stopped = 1;\n\tmutex_unlock(&ud->dev_mutex);\n\tmutex_unlock(&ud->ctx_lock);") },
      },
      {
        name: "the second lock is only tried (mutex_trylock never waits)",
        files: { "drivers/block/u.c": two("\tmutex_lock(&ud->dev_mutex);\n\tif (mutex_trylock(&ud->ctx_lock)) {\n\t\tud->stopped = 1;\n\t\tmutex_unlock(&ud->ctx_lock);\n\t}\n\tmutex_unlock(&ud->dev_mutex);") },
      },
      {
        name: "the first lock is dropped before the second is taken",
        files: { "drivers/block/u.c": two("\tmutex_lock(&ud->dev_mutex);\n\tud->stopping = 1;\n\tmutex_unlock(&ud->dev_mutex);\n\tmutex_lock(&ud->ctx_lock);\n\tud->stopped = 1;\n\tmutex_unlock(&ud->ctx_lock);") },
      },
      {
        name: "a common outer lock serialises the two paths",
        files: {
          "drivers/block/u.c": `
static DEFINE_MUTEX(udev_ctl);
static void a(struct udev *ud)
{
	mutex_lock(&udev_ctl);
	mutex_lock(&ud->ctx_lock);
	mutex_lock(&ud->dev_mutex);
	mutex_unlock(&ud->dev_mutex);
	mutex_unlock(&ud->ctx_lock);
	mutex_unlock(&udev_ctl);
}
static void b(struct udev *ud)
{
	mutex_lock(&udev_ctl);
	mutex_lock(&ud->dev_mutex);
	mutex_lock(&ud->ctx_lock);
	mutex_unlock(&ud->ctx_lock);
	mutex_unlock(&ud->dev_mutex);
	mutex_unlock(&udev_ctl);
}`,
        },
      },
      {
        name: "del_gendisk() under a lock taken in ->open is left to lock-across-del-gendisk",
        files: {
          "drivers/block/u.c": `
static DEFINE_MUTEX(ctl);
static void rm(struct udev *ud) { mutex_lock(&ctl); del_gendisk(ud->disk); mutex_unlock(&ctl); }
static int u_open(struct block_device *b, fmode_t m) { mutex_lock(&ctl); mutex_unlock(&ctl); return 0; }
static const struct block_device_operations u_fops = { .open = u_open };`,
        },
      },
    ],
    invalid: [
      {
        name: "a global mutex locked twice in one function (chaoskey_release, 2020)",
        files: { "drivers/usb/misc/z.c": recursive("\tmutex_lock(&ckey_list_lock);\n\tck->open--;\n\tmutex_lock(&ckey_list_lock);") },
        errors: [{ severity: "error", function: "ckey_suspend", message: /^Recursive locking of ckey_list_lock: ckey_suspend\(\) takes ckey_list_lock while already holding it\.$/ }],
      },
      {
        name: "two callers reach the same recursive acquisition: one finding each, naming the other",
        showNotes: true,
        files: { "drivers/usb/misc/z.c": recursive("\tmutex_lock(&ck->lock);\n\tckey_soft_disconnect(ck);\n\tmutex_unlock(&ck->lock);") + "\nstatic void ckey_resume(struct ckey *ck)\n{\n\tmutex_lock(&ck->lock);\n\tck->open = 1;\n\tckey_soft_disconnect(ck);\n\tmutex_unlock(&ck->lock);\n}\n" },
        errors: [
          { severity: "note", function: "ckey_suspend", message: /takes ck->lock while already holding it \(also reached with it held from ckey_resume\(\)\)\.$/ },
          { severity: "note", function: "ckey_resume", message: /\(also reached with it held from ckey_suspend\(\)\)\.$/ },
        ],
      },
      {
        name: "a helper takes the lock its caller holds (dwc3_suspend_common → dwc3_gadget_suspend, 2023)",
        showNotes: true,
        files: { "drivers/usb/misc/z.c": recursive("\tmutex_lock(&ck->lock);\n\tckey_soft_disconnect(ck);\n\tmutex_unlock(&ck->lock);") },
        // A note: the callee's own branches were not checked against the caller's arguments.
        errors: [{ severity: "note", function: "ckey_suspend", message: /^Recursive locking of ck->lock: ckey_suspend\(\) \(via ckey_soft_disconnect\(\)\) takes ck->lock while already holding it\.$/ }],
      },
      {
        // ublk 2023: FETCH_REQ took uring_lock then ub->mutex; STOP/DEL took them the other way.
        name: "AB-BA between two driver locks, through a helper",
        files: { "drivers/block/u.c": two("\tmutex_lock(&ud->dev_mutex);\n\tudev_cancel(ud);\n\tmutex_unlock(&ud->dev_mutex);") + "\nstatic void udev_cancel(struct udev *ud)\n{\n\tmutex_lock(&ud->ctx_lock);\n\tud->cancelled = 1;\n\tmutex_unlock(&ud->ctx_lock);\n}\n" },
        errors: [
          {
            severity: "error", function: "udev_fetch", line: 7,
            message: /^Lock-order inversion between ud->(ctx_lock|dev_mutex) and ud->(ctx_lock|dev_mutex): .*udev_stop\(\) \(via udev_cancel\(\)\) takes ud->ctx_lock while holding ud->dev_mutex/,
          },
        ],
      },
      {
        name: "a patch that adds the reverse order: introduced",
        change: {
          path: "drivers/block/u.c",
          before: two("\tmutex_lock(&ud->ctx_lock);\n\tud->stopped = 1;\n\tmutex_unlock(&ud->ctx_lock);"),
          after: two("\tmutex_lock(&ud->dev_mutex);\n\tmutex_lock(&ud->ctx_lock);\n\tud->stopped = 1;\n\tmutex_unlock(&ud->ctx_lock);\n\tmutex_unlock(&ud->dev_mutex);"),
          inTree: true,
        },
        errors: [{ status: "introduced", severity: "error", function: "udev_stop" }],
      },
      {
        name: "rtnl_lock against a driver lock",
        files: {
          "drivers/net/n.c": `
static void n_reconfig(struct ndev *nd)
{
	rtnl_lock();
	mutex_lock(&nd->cfg_lock);
	mutex_unlock(&nd->cfg_lock);
	rtnl_unlock();
}
static void n_reset(struct ndev *nd)
{
	mutex_lock(&nd->cfg_lock);
	rtnl_lock();
	rtnl_unlock();
	mutex_unlock(&nd->cfg_lock);
}`,
        },
        errors: [{ severity: "error", message: /between (nd->cfg_lock and rtnl_mutex|rtnl_mutex and nd->cfg_lock)/ }],
      },
    ],
  });
});
