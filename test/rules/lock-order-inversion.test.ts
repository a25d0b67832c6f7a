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

describe("lock-order-inversion", () => {
  ruleTester("lock-order-inversion", {
    valid: [
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
