// wq-not-drained-on-exit, comparing the two images of a patch: the wait a
// fix adds to a teardown path is the wait the pre-image lacked, even when
// the diff shows nothing else of the driver (a one-line cancel_work_sync()
// in ->remove(), the most common fix of this family on linux-usb); and a
// patch that removes such a wait, with nothing else waiting, introduces it.
// Written for these tests, in the shape of a platform driver.
import { describe } from "@jest/globals";
import { makePatch, ruleTester } from "../helpers/ruleTester.js";

const PATH = "drivers/usb/gadget/udc/zudc.c";
const pad = Array.from({ length: 8 }, (_, i) => `\tzudc_hw_off${i}(zd);`).join("\n");

const remove = (body: string) => `
static void zudc_irq_work(struct work_struct *work)
{
	struct zudc *zd = container_of(work, struct zudc, irq_work);

	zudc_handle(zd);
}

static int zudc_probe(struct platform_device *pdev)
{
	struct zudc *zd = devm_kzalloc(&pdev->dev, sizeof(*zd), GFP_KERNEL);

	INIT_WORK(&zd->irq_work, zudc_irq_work);
	platform_set_drvdata(pdev, zd);
	return 0;
}

static int zudc_remove(struct platform_device *pdev)
{
	struct zudc *zd = platform_get_drvdata(pdev);

${pad}
${body}	usb_del_gadget_udc(&zd->gadget);
	return 0;
}

static struct platform_driver zudc_driver = {
	.probe		= zudc_probe,
	.remove		= zudc_remove,
};
module_platform_driver(zudc_driver);
`;

const helper = `
static void zudc_quiesce(struct zudc *zd)
{
	cancel_work_sync(&zd->irq_work);
}
`;

const CANCEL = "\tcancel_work_sync(&zd->irq_work);\n";

/** A whole new driver (the patch adds the file) that queues its work from the interrupt. */
const newDriver = (init: string, removeBody: string, extra = "") => `
struct zudc {
	struct work_struct irq_work;
	struct usb_gadget gadget;
};

static void zudc_irq_work(struct work_struct *work)
{
	struct zudc *zd = container_of(work, struct zudc, irq_work);

	zudc_handle(zd);
}

static irqreturn_t zudc_irq(int irq, void *data)
{
	struct zudc *zd = data;

	schedule_work(&zd->irq_work);
	return IRQ_HANDLED;
}
${extra}
static int zudc_probe(struct platform_device *pdev)
{
	struct zudc *zd = devm_kzalloc(&pdev->dev, sizeof(*zd), GFP_KERNEL);

${init}	platform_set_drvdata(pdev, zd);
	return devm_request_irq(&pdev->dev, 0, zudc_irq, 0, "zudc", zd);
}

static int zudc_remove(struct platform_device *pdev)
{
	struct zudc *zd = platform_get_drvdata(pdev);

${removeBody}	usb_del_gadget_udc(&zd->gadget);
	return 0;
}

static struct platform_driver zudc_driver = {
	.probe		= zudc_probe,
	.remove		= zudc_remove,
};
module_platform_driver(zudc_driver);
`;
const INIT = "\tINIT_WORK(&zd->irq_work, zudc_irq_work);\n";

/** r8152's 2024 shape: the same driver with a tasklet where the work is (tasklet_kill() in remove). */
const withTasklet = (text: string) =>
  text
    .replace("static void zudc_irq_work(struct work_struct *work)\n{\n\tstruct zudc *zd = container_of(work, struct zudc, irq_work);", "static void zudc_irq_tl(struct tasklet_struct *t)\n{\n\tstruct zudc *zd = from_tasklet(zd, t, irq_tl);")
    .replace("\tINIT_WORK(&zd->irq_work, zudc_irq_work);\n", "\ttasklet_setup(&zd->irq_tl, zudc_irq_tl);\n");

/** A diff that deletes the whole file, as git writes it. */
function deletePatch(path: string, text: string): string {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return [`diff --git a/${path} b/${path}`, "deleted file mode 100644", `--- a/${path}`, "+++ /dev/null", `@@ -1,${lines.length} +0,0 @@`, ...lines.map((l) => `-${l}`)].join("\n") + "\n";
}

describe("wq-not-drained-on-exit: teardown drains compared across the patch", () => {
  ruleTester("wq-not-drained-on-exit", {
    valid: [
      {
        // dasd (Linux 6.1): every schedule_work() is paired with dasd_get_device(); the work ends with the put.
        name: "a new driver whose queueing takes a reference the work drops: the object outlives the work",
        patch: makePatch(PATH, "", newDriver(INIT, "").replace("\tschedule_work(&zd->irq_work);", "\tzudc_get(zd);\n\tschedule_work(&zd->irq_work);").replace("static irqreturn_t zudc_irq", "static void zudc_get(struct zudc *zd)\n{\n\tkref_get(&zd->ref);\n}\n\nstatic irqreturn_t zudc_irq")),
      },
      {
        // rbd_dev_create(), pool_create() in Linux 6.1: a pointer returned nonzero is the success path.
        name: "a *_create() that returns the object holding its workqueue: success, not a leak",
        files: { "drivers/md/zpool.c": "struct zpool { struct workqueue_struct *wq; };\nstatic void zpool_destroy(struct zpool *p)\n{\n\tdestroy_workqueue(p->wq);\n\tkfree(p);\n}\nstatic struct zpool *zpool_create(void)\n{\n\tstruct zpool *p = kzalloc(sizeof(*p), GFP_KERNEL);\n\n\tif (!p)\n\t\treturn NULL;\n\tp->wq = alloc_workqueue(\"zpool\", 0, 0);\n\tif (!p->wq) {\n\t\tkfree(p);\n\t\treturn NULL;\n\t}\n\treturn p;\n}\n" },
      },
      { name: "a new driver whose remove() cancels the work it queues", patch: makePatch(PATH, "", newDriver(INIT, CANCEL)) },
      {
        // bcache_init() (Linux 6.1): `err: bcache_exit(); return -ENOMEM;` last — an errno is no success value.
        name: "an init whose last statement returns -ENOMEM: return 0 is still the success",
        files: { "drivers/md/zc.c": "static struct workqueue_struct *zc_wq;\nstatic void zc_exit(void)\n{\n\tif (zc_wq)\n\t\tdestroy_workqueue(zc_wq);\n}\nstatic int __init zc_init(void)\n{\n\tzc_wq = alloc_workqueue(\"zc\", 0, 0);\n\tif (!zc_wq)\n\t\tgoto err;\n\tif (zc_register())\n\t\tgoto err;\n\treturn 0;\nerr:\n\tzc_exit();\n\treturn -ENOMEM;\n}\nmodule_init(zc_init);\nmodule_exit(zc_exit);\n" },
      },
      {
        // pvscsi_setup_msg_workqueue() (Linux 6.1): `return 0;` is the failure, the final `return 1;` the success.
        name: "an init helper that ends in return 1 keeps its workqueue on success, not on an error path",
        files: { "drivers/scsi/zscsi.c": "struct zs { struct workqueue_struct *wq; struct work_struct work; };\nstatic void zs_work(struct work_struct *w)\n{\n}\nstatic int zs_probe_wq(struct zs *a)\n{\n\tif (zs_read(a) == -1)\n\t\treturn 0;\n\ta->wq = create_singlethread_workqueue(\"zs\");\n\tif (!a->wq)\n\t\treturn 0;\n\tINIT_WORK(&a->work, zs_work);\n\treturn 1;\n}\nstatic void zs_remove(struct zs *a)\n{\n\tdestroy_workqueue(a->wq);\n}\n" },
      },
      { name: "a new driver with devm_work_autocancel(): devres cancels it", patch: makePatch(PATH, "", newDriver("\tdevm_work_autocancel(&pdev->dev, &zd->irq_work, zudc_irq_work);\n", "")) },
      {
        name: "a new driver that cancels in a devm action",
        patch: makePatch(PATH, "", newDriver(INIT + "\tdevm_add_action_or_reset(&pdev->dev, zudc_cancel, zd);\n", "", "\nstatic void zudc_cancel(void *data)\n{\n\tstruct zudc *zd = data;\n\n\tcancel_work_sync(&zd->irq_work);\n}\n")),
      },
      { name: "a cancel moved into a helper the patch adds: still waited for", patch: makePatch(PATH, remove(CANCEL), helper + remove("\tzudc_quiesce(zd);\n")) },
      {
        name: "a flush added to a function that is no teardown",
        patch: makePatch(PATH, "static void zudc_poke(struct zudc *zd)\n{\n\tzudc_kick(zd);\n}\n", "static void zudc_poke(struct zudc *zd)\n{\n\tzudc_kick(zd);\n\tflush_work(&zd->irq_work);\n}\n"),
      },
      {
        // r8152 "Convert tasklet API to new bottom half workqueue mechanism": the cancel comes with the work it waits for.
        name: "a tasklet converted to a work item: the new work's cancel in remove() is no fix",
        change: { path: PATH, before: withTasklet(remove("\ttasklet_kill(&zd->irq_tl);\n")), after: remove(CANCEL), inTree: true },
      },
      {
        name: "the same conversion from the diff alone",
        patch: makePatch(PATH, withTasklet(remove("\ttasklet_kill(&zd->irq_tl);\n")), remove(CANCEL)),
      },
      {
        name: "the reverse: a work item turned into a tasklet loses its cancel with the work",
        patch: makePatch(PATH, remove(CANCEL), withTasklet(remove("\ttasklet_kill(&zd->irq_tl);\n"))),
      },
      {
        // "s390/net: Remove LCS driver": the defects of deleted code are not fixed by deleting it.
        name: "a patch deleting a driver whose remove() never cancelled its work: nothing fixed",
        patch: deletePatch(PATH, newDriver(INIT, "")),
      },
      { name: "the whole driver in the tree, remove() already cancels: a patch touching other lines", change: { path: PATH, before: remove(CANCEL), after: remove(CANCEL).replace("zudc_hw_off3", "zudc_hw_off_three"), inTree: true } },
    ],
    invalid: [
      {
        name: "a *_create() whose error path returns NULL with the workqueue still allocated",
        files: { "drivers/md/zpool.c": "struct zpool { struct workqueue_struct *wq; };\nstatic void zpool_destroy(struct zpool *p)\n{\n\tdestroy_workqueue(p->wq);\n\tkfree(p);\n}\nstatic struct zpool *zpool_create(void)\n{\n\tstruct zpool *p = kzalloc(sizeof(*p), GFP_KERNEL);\n\n\tif (!p)\n\t\treturn NULL;\n\tp->wq = alloc_workqueue(\"zpool\", 0, 0);\n\tif (!p->wq)\n\t\tgoto err;\n\tif (zpool_register(p))\n\t\tgoto err;\n\treturn p;\nerr:\n\tkfree(p);\n\treturn NULL;\n}\n" },
        errors: [{ status: "existing", severity: "warning", function: "zpool_create", message: /returns an error at line 21 after allocating p->wq \(line 13\)/ }],
      },
      {
        // linux-usb: drivers added without a cancel in ->remove() (the introducers of the fixes above).
        name: "a new driver whose remove() never cancels the work its interrupt queues: introduced",
        patch: makePatch(PATH, "", newDriver(INIT, "")),
        errors: [{ status: "introduced", severity: "warning", function: "zudc_remove", message: /zudc_remove\(\) tears down struct zudc without cancelling or flushing irq_work \(zudc_irq_work\(\)\), which zudc_irq\(\) queues/ }],
      },
      {
        // linux-usb, e.g. "usb: …: cancel the work on remove": from the diff alone.
        name: "hunks only: a fix adds cancel_work_sync() to ->remove(): fixed",
        patch: makePatch(PATH, remove(""), remove(CANCEL)),
        errors: [{ status: "fixed", severity: "warning", function: "zudc_remove", message: /zudc_remove\(\) \(device teardown\) returns without waiting for the work &zd->irq_work: .* cancel_work_sync\(&zd->irq_work\) is missing/ }],
      },
      {
        name: "with the tree: the same fix is fixed too",
        change: { path: PATH, before: remove(""), after: remove(CANCEL), inTree: true },
        errors: [{ status: "fixed", severity: "warning", function: "zudc_remove", message: /the work zudc_irq_work\(\)/ }],
      },
      {
        name: "a patch that removes the only cancel: introduced",
        patch: makePatch(PATH, remove(CANCEL), remove("")),
        errors: [{ status: "introduced", severity: "warning", function: "zudc_remove", message: /no longer waits for the work &zd->irq_work \(cancel_work_sync\(&zd->irq_work\) removed\)/ }],
      },
      {
        name: "module exit gains destroy_workqueue() (nbd 68c9417b193d's shape): fixed",
        patch: makePatch(
          "drivers/block/qdev.c",
          "static void __exit qdev_cleanup(void)\n{\n\tgenl_unregister_family(&qdev_genl_family);\n\tunregister_blkdev(QDEV_MAJOR, \"qdev\");\n}\n",
          "static void __exit qdev_cleanup(void)\n{\n\tdestroy_workqueue(qdev_del_wq);\n\tgenl_unregister_family(&qdev_genl_family);\n\tunregister_blkdev(QDEV_MAJOR, \"qdev\");\n}\n",
        ),
        errors: [{ status: "fixed", severity: "warning", function: "qdev_cleanup", message: /module exit/ }],
      },
    ],
  });
});
