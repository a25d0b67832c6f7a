// sysfs-remove-under-lock: cases written for these tests, modelled on zram
// 2021 (module unload holding a mutex across del_gendisk() while a store takes
// it) and rnbd-srv 2021 (sysfs removal under a session lock).
import { describe, expect, test } from "@jest/globals";
import { RULES_BY_ID } from "../../rules/index.js";
import { analyseC } from "../helpers/engine.js";
import { ruleTester } from "../helpers/ruleTester.js";

const zdev = (store: string, remove: string) => `
static DEFINE_MUTEX(zdev_index_mutex);

static ssize_t disksize_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t len)
{
${store}
	return len;
}
static DEVICE_ATTR_WO(disksize);

static void zdev_remove(struct zdev *zd)
{
${remove}
}
`;

/** A store converting its device one way or another, and a removal of the disk under the store's lock. */
const owned = (convert: string) => `
static DECLARE_RWSEM(zinfo_sem);
struct zinfo { struct device dev; struct gendisk *gd; };

static ssize_t zinfo_shared_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t count)
{
${convert}
	down_write(&zinfo_sem);
	zinfo_apply(buf);
	up_write(&zinfo_sem);
	return count;
}
static DEVICE_ATTR_WO(zinfo_shared);

static void zinfo_remove(struct zinfo *info)
{
	down_write(&zinfo_sem);
	del_gendisk(info->gd);
	up_write(&zinfo_sem);
}
`;

/** dcssblk's shape: `add`/`remove` attributes registered on a root device; removing a disk (or the root) under the store's lock. */
const rooted = (teardown: string) => `
static DECLARE_RWSEM(zblk_devices_sem);
static struct device *zblk_root_dev;
struct zblk_info { struct gendisk *gd; struct list_head lh; };

static ssize_t zblk_remove_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t count)
{
	struct zblk_info *info;

	if (dev != zblk_root_dev)
		return -EINVAL;
	down_write(&zblk_devices_sem);
	info = zblk_find(buf);
	list_del(&info->lh);
${teardown}
	up_write(&zblk_devices_sem);
	return count;
}
static DEVICE_ATTR(remove, S_IWUSR, NULL, zblk_remove_store);

static int __init zblk_init(void)
{
	zblk_root_dev = root_device_register("zblk");
	return device_create_file(zblk_root_dev, &dev_attr_remove);
}
`;

const LOCKED_STORE = "\tmutex_lock(&zdev_index_mutex);\n\tzdev_resize(dev, buf);\n\tmutex_unlock(&zdev_index_mutex);";
const PLAIN_STORE = "\tzdev_resize(dev, buf);";

describe("sysfs-remove-under-lock", () => {
  ruleTester("sysfs-remove-under-lock", {
    valid: [
      {
        // dcssblk (Linux 6.1): the `shared` attribute lives on the parent device, not on the gendisk del_gendisk() removes.
        name: "an attribute of another object (container_of to its struct) is not waited for by del_gendisk()",
        files: { "drivers/s390/block/d.c": owned("\tstruct zinfo *info = container_of(dev, struct zinfo, dev);\n") },
      },
      {
        // dcssblk (Linux 6.1): `remove` is registered on the root device; del_gendisk() does not wait for it.
        name: "an attribute registered on another device (device_create_file on a root device) is not waited for by del_gendisk()",
        files: { "drivers/s390/block/z.c": rooted("\tdel_gendisk(info->gd);") },
      },
      {
        name: "the disk is deleted after the lock is dropped",
        files: { "drivers/block/z.c": zdev(LOCKED_STORE, "\tmutex_lock(&zdev_index_mutex);\n\tidr_remove(&zdev_idr, zd->id);\n\tmutex_unlock(&zdev_index_mutex);\n\tdel_gendisk(zd->disk);") },
      },
      {
        name: "the store does not take the lock",
        files: { "drivers/block/z.c": zdev(PLAIN_STORE, "\tmutex_lock(&zdev_index_mutex);\n\tdel_gendisk(zd->disk);\n\tmutex_unlock(&zdev_index_mutex);") },
      },
      {
        name: "a class attribute's store is not removed by del_gendisk()",
        files: {
          "drivers/block/z.c": `
static DEFINE_MUTEX(zdev_index_mutex);
static ssize_t hot_remove_store(struct class *class, struct class_attribute *attr, const char *buf, size_t count)
{
	mutex_lock(&zdev_index_mutex);
	mutex_unlock(&zdev_index_mutex);
	return count;
}
static CLASS_ATTR_WO(hot_remove);
static void zdev_remove(struct zdev *zd)
{
	mutex_lock(&zdev_index_mutex);
	del_gendisk(zd->disk);
	mutex_unlock(&zdev_index_mutex);
}`,
        },
      },
    ],
    invalid: [
      {
        name: "removing the attribute from the device it is registered on, under the store's lock",
        files: { "drivers/s390/block/z.c": rooted("\tdevice_remove_file(zblk_root_dev, &dev_attr_remove);") },
        errors: [{ severity: "error", function: "zblk_remove_store", message: /holds zblk_devices_sem while device_remove_file\(\) removes sysfs files/ }],
      },
      {
        name: "a disk attribute (dev_to_disk) whose store takes the lock held across del_gendisk()",
        files: { "drivers/s390/block/d.c": owned("\tstruct gendisk *disk = dev_to_disk(dev);\n") },
        errors: [{ severity: "error", function: "zinfo_remove" }],
      },
      {
        name: "zram 2021: del_gendisk() under the index mutex that a device attribute's store takes",
        files: { "drivers/block/z.c": zdev(LOCKED_STORE, "\tmutex_lock(&zdev_index_mutex);\n\tdel_gendisk(zd->disk);\n\tmutex_unlock(&zdev_index_mutex);") },
        errors: [
          {
            severity: "error", function: "zdev_remove", line: 16,
            message: /^zdev_remove\(\) holds zdev_index_mutex while del_gendisk\(\) removes sysfs files and waits for running show\(\)\/store\(\); disksize_store\(\) \(a sysfs callback\) takes zdev_index_mutex: deadlock\.$/,
          },
        ],
      },
      {
        name: "rnbd-srv 2021: device_remove_file() under a session lock a store takes",
        files: {
          "drivers/block/r.c": `
static ssize_t close_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t count)
{
	struct rsess *s = dev_get_drvdata(dev);

	mutex_lock(&s->lock);
	rsess_close(s);
	mutex_unlock(&s->lock);
	return count;
}
static DEVICE_ATTR_WO(close);
static void rsess_destroy(struct rsess *s)
{
	mutex_lock(&s->lock);
	device_remove_file(&s->dev, &dev_attr_close);
	mutex_unlock(&s->lock);
}`,
        },
        errors: [{ severity: "error", function: "rsess_destroy", line: 15 }],
      },
    ],
  });

  test("the question does not ask whether a lock the function takes itself is held; it asks whether the store can be running", async () => {
    const a = await analyseC({ "drivers/block/z.c": zdev(LOCKED_STORE, "\tmutex_lock(&zdev_index_mutex);\n\tdel_gendisk(zd->disk);\n\tmutex_unlock(&zdev_index_mutex);") });
    const [f] = RULES_BY_ID.get("sysfs-remove-under-lock")!.check({ analysis: a, image: "post", kind: "file" });
    expect(f!.question).toMatch(/^Can disksize_store\(\) still be running at this point\? zdev_remove\(\) holds zdev_index_mutex here, del_gendisk\(\) waits for active sysfs callbacks/);
  });
});
