// Lock classes, callback contexts, work bindings and the lock-order graph,
// on small kernel-style C written for these tests (modelled on nbd and loop).
import { describe, expect, test } from "@jest/globals";
import { buildModel } from "../../src/cmodel/build.js";
import { loadKernelModel, parseKernelTable } from "../../src/kernel/model.js";
import { analyseC, edges, heldAt } from "../helpers/engine.js";

describe("lock classes", () => {
  test("disk->open_mutex, lo->lo_disk->open_mutex and bdev->bd_disk->open_mutex are one class", async () => {
    const a = await analyseC({
      "d.c": `
struct loop_device { struct mutex lo_mutex; struct gendisk *lo_disk; };
static void a(struct gendisk *disk) { mutex_lock(&disk->open_mutex); x(); mutex_unlock(&disk->open_mutex); }
static void b(struct loop_device *lo) { mutex_lock(&lo->lo_disk->open_mutex); y(); mutex_unlock(&lo->lo_disk->open_mutex); }
static void c(struct block_device *bdev) { mutex_lock(&bdev->bd_disk->open_mutex); z(); mutex_unlock(&bdev->bd_disk->open_mutex); }`,
    });
    expect(heldAt(a, "a", "x")).toEqual([["gendisk.open_mutex"]]);
    expect(heldAt(a, "b", "y")).toEqual([["gendisk.open_mutex"]]);
    expect(heldAt(a, "c", "z")).toEqual([["gendisk.open_mutex"]]);
  });

  test("a struct field lock is named by its struct; an unknown type falls back to the expression and says so", async () => {
    const a = await analyseC({
      "d.c": `
static void f(struct nbd_device *nbd) { mutex_lock(&nbd->config_lock); g(); mutex_unlock(&nbd->config_lock); }
static void h(void) { mutex_lock(&mystery->lock); i(); mutex_unlock(&mystery->lock); }`,
    });
    expect(heldAt(a, "f", "g")).toEqual([["nbd_device.config_lock"]]);
    const held = a.functions.get("h")!.facts.callSites.find((c) => c.callee === "i")!.heldSets[0][0];
    expect(held).toMatchObject({ cls: "mystery->lock", typed: false });
  });

  test("a typed local resolves `lo` in lo->lo_mutex", async () => {
    const a = await analyseC({
      "d.c": `
static int lo_open(struct gendisk *disk, fmode_t mode)
{
	struct loop_device *lo = disk->private_data;

	mutex_lock(&lo->lo_mutex);
	check(lo);
	mutex_unlock(&lo->lo_mutex);
	return 0;
}`,
    });
    expect(heldAt(a, "lo_open", "check")).toEqual([["loop_device.lo_mutex"]]);
  });
});

describe("callback contexts", () => {
  test("block_device_operations .open/.release run under gendisk.open_mutex", async () => {
    const a = await analyseC({
      "d.c": `
static DEFINE_MUTEX(idx_mutex);
static int drv_open(struct block_device *bdev, fmode_t mode)
{
	mutex_lock(&idx_mutex);
	mutex_unlock(&idx_mutex);
	return 0;
}
static void drv_release(struct gendisk *disk, fmode_t mode) { put_thing(disk); }
static const struct block_device_operations drv_fops = {
	.owner = THIS_MODULE,
	.open = drv_open,
	.release = drv_release,
};`,
    });
    expect(a.functions.get("drv_open")!.entries).toMatchObject([{ kind: "bdev-open", source: "drv_fops.open", inferred: false }]);
    expect(heldAt(a, "drv_release", "put_thing")).toEqual([["gendisk.open_mutex"]]);
    expect(edges(a)).toContain("gendisk.open_mutex -> idx_mutex");
  });

  test("genl .doit runs under genl_mutex unless the family sets parallel_ops", async () => {
    const src = (parallel: string) => `
static int drv_doit(struct sk_buff *skb, struct genl_info *info) { work(); return 0; }
static const struct genl_small_ops drv_ops[] = {
	{ .cmd = 1, .doit = drv_doit, },
};
static struct genl_family drv_family = {
	.small_ops = drv_ops,
	${parallel}
};`;
    const serial = await analyseC({ "d.c": src("") });
    expect(heldAt(serial, "drv_doit", "work")).toEqual([["genl_mutex"]]);
    const parallel = await analyseC({ "d.c": src(".parallel_ops = true,") });
    expect(heldAt(parallel, "drv_doit", "work")).toEqual([[]]);
  });

  test("hunks mode: a release callback is recognised by name and signature, marked inferred", async () => {
    const a = await analyseC({ "d.c": `static void foo_release(struct gendisk *disk, fmode_t mode) { bar(disk); }` }, "hunks");
    expect(a.functions.get("foo_release")!.entries).toMatchObject([{ kind: "bdev-release", inferred: true }]);
    expect(heldAt(a, "foo_release", "bar")).toEqual([["gendisk.open_mutex"]]);
  });

  test("whole-file mode never guesses callbacks (and the locks they run under) from signatures; only a naming role without locks", async () => {
    const a = await analyseC({ "d.c": `static void foo_release(struct gendisk *disk, fmode_t mode) { bar(disk); }` }, "file");
    expect(a.functions.get("foo_release")!.entries.map((e) => [e.kind, e.source, e.holds.length])).toEqual([["teardown", "name", 0]]);
  });

  test("a notifier callback runs under its chain's rwsem (read), found from the registration", async () => {
    const a = await analyseC({
      "d.c": `
struct vgroup { struct notifier_block nb; struct iommu_group *iommu_group; };
static int vgroup_notifier(struct notifier_block *nb, unsigned long action, void *data) { act(); return 0; }
static int vgroup_create(struct vgroup *group, struct iommu_group *iommu_group)
{
	group->nb.notifier_call = vgroup_notifier;
	return iommu_group_register_notifier(iommu_group, &group->nb);
}`,
    });
    const f = a.functions.get("vgroup_notifier")!;
    expect(f.entries[0]).toMatchObject({ kind: "notifier" });
    expect(f.entries[0].holds).toMatchObject([{ cls: "notifier:iommu_group", mode: "read" }]);
  });
});

describe("work items and workqueues", () => {
  test("INIT_WORK binds a work item to its function; queue_work binds it to the workqueue", async () => {
    const a = await analyseC({
      "d.c": `
static struct workqueue_struct *drv_wq;
static void drv_remove_work(struct work_struct *work) { mutex_lock(&drv_lock); mutex_unlock(&drv_lock); }
static void drv_add(struct drv_dev *dev)
{
	INIT_WORK(&dev->remove_work, drv_remove_work);
}
static void drv_put(struct drv_dev *dev) { queue_work(drv_wq, &dev->remove_work); }
static void drv_flush(struct drv_dev *dev) { cancel_work_sync(&dev->remove_work); }
static int __init drv_init(void)
{
	drv_wq = alloc_workqueue("drv-del", WQ_UNBOUND, 0);
	return 0;
}
module_init(drv_init);`,
    });
    expect(a.workBindings.get("drv_dev.remove_work")).toMatchObject([{ fn: "drv_remove_work" }]);
    expect([...a.workQueues.get("drv_remove_work")!]).toEqual(["drv_wq"]);
    expect(a.functions.get("drv_remove_work")!.entries[0].holds.map((h) => h.cls)).toEqual(["work:drv_remove_work", "wq:drv_wq"]);
    expect(edges(a)).toEqual(["work:drv_remove_work -> drv_lock", "wq:drv_wq -> drv_lock"]);
    const waits = a.functions.get("drv_flush")!.facts.acquires;
    expect(waits).toMatchObject([{ cls: "work:drv_remove_work", how: "wait", api: "cancel_work_sync" }]);
    expect(a.functions.get("drv_init")!.facts.wqAllocs).toMatchObject([{ target: { cls: "drv_wq" }, name: '"drv-del"' }]);
    expect(a.moduleInit).toEqual(["drv_init"]);
  });
});

describe("lock-order graph", () => {
  test("an AB-BA cycle through del_gendisk and .open comes back as a chain with evidence on every edge", async () => {
    // The shape of nbd 2021 (seed 000): nbd_put() holds nbd_index_mutex
    // across del_gendisk(); nbd_open() takes nbd_index_mutex under open_mutex.
    const a = await analyseC({
      "nbd.c": `
static DEFINE_MUTEX(idx_mutex);
static void dev_remove(struct nbd_device *nbd) { del_gendisk(nbd->disk); kfree(nbd); }
static void nbd_put(struct nbd_device *nbd)
{
	if (refcount_dec_and_mutex_lock(&nbd->refs, &idx_mutex)) {
		dev_remove(nbd);
		mutex_unlock(&idx_mutex);
	}
}
static int nbd_open(struct block_device *bdev, fmode_t mode)
{
	mutex_lock(&idx_mutex);
	mutex_unlock(&idx_mutex);
	return 0;
}
static const struct block_device_operations nbd_fops = { .open = nbd_open };`,
    });
    const cycles = a.graph.cycles();
    expect(cycles).toHaveLength(1);
    const c = cycles[0];
    expect(c.nodes).toEqual(["gendisk.open_mutex", "idx_mutex"]);
    expect(c.edges[0]).toMatchObject({ from: "gendisk.open_mutex", to: "idx_mutex", function: "nbd_open", line: 13 });
    expect(c.edges[0].holder).toMatchObject({ origin: "context" });
    expect(c.edges[1]).toMatchObject({ from: "idx_mutex", to: "gendisk.open_mutex", function: "nbd_put", line: 7, lastRef: true });
    expect(c.edges[1].path.map((s) => `${s.function}:${s.line}`)).toEqual(["nbd_put:7", "dev_remove:3"]);
  });

  test("no cycle when the lock is released before del_gendisk", async () => {
    const a = await analyseC({
      "nbd.c": `
static DEFINE_MUTEX(idx_mutex);
static void nbd_put(struct nbd_device *nbd)
{
	mutex_lock(&idx_mutex);
	idr_remove(&idx, nbd->index);
	mutex_unlock(&idx_mutex);
	del_gendisk(nbd->disk);
}
static int nbd_open(struct block_device *bdev, fmode_t mode) { mutex_lock(&idx_mutex); mutex_unlock(&idx_mutex); return 0; }
static const struct block_device_operations nbd_fops = { .open = nbd_open };`,
    });
    expect(a.graph.cycles()).toEqual([]);
  });
});

describe("kernel table", () => {
  test("every built-in row validates and an extra row is merged ahead of the built-ins", async () => {
    const km = loadKernelModel({ rows: { implicit: [{ names: ["drbd_flush_workqueue"], waits: [{ on: "workqueue", arg: 0 }] }] }, source: ".lockreview.yml" });
    expect(km.first("implicit", "drbd_flush_workqueue")?.waits[0].on).toBe("workqueue");
    expect(km.first("implicit", "del_gendisk")?.acquires[0].lock).toBe("gendisk.open_mutex");
  });

  test("a bad row is rejected with the source and the key named", () => {
    expect(() => parseKernelTable({ locks: [{ names: ["x_lock"], op: "grab" }] }, ".lockreview.yml")).toThrow(/\.lockreview\.yml: locks\.0\.op/);
  });

  test("__init functions and kernel annotations do not confuse the parser", async () => {
    const m = await buildModel({
      path: "d.c",
      context: "file",
      text: `static int __init drv_init(void) { return 0; }\nstatic void __exit drv_exit(void) { }\nstatic void f(struct d *d) __must_hold(&d->lock) { g(); }\n`,
    });
    expect(m.functions.map((f) => [f.name, f.annotations.map((x) => x.name)])).toEqual([
      ["drv_init", ["__init"]],
      ["drv_exit", ["__exit"]],
      ["f", ["__must_hold"]],
    ]);
  });
});

describe("C model: calls of a statement", () => {
  const callsOf = async (body: string) => {
    const m = await buildModel({ path: "d.c", context: "file", text: `static void f(struct d *d)\n{\n${body}\n}\n` });
    const fn = m.functions[0]!;
    return { names: fn.body.flatMap((s) => ("calls" in s ? s.calls.map((c) => c.name) : [])), errors: fn.parseErrors };
  };

  test("arguments are called before the call that uses them, left to right", async () => {
    expect((await callsOf("\tret = a(b(c(d)), e());")).names).toEqual(["c", "b", "e", "a"]);
  });

  test("a call that yields the callee's table is called before the indirect call", async () => {
    expect((await callsOf("\tops_of(d)->stop(d, lock_of(d));")).names).toEqual(["ops_of", "lock_of", "stop"]);
  });

  test("a statement the parser could not read still gives its calls, and counts the error", async () => {
    const r = await callsOf("\tmutex_lock(&d->lock) del_gendisk(d->disk);");
    expect(r.names).toEqual(expect.arrayContaining(["mutex_lock"]));
    expect(r.errors).toBeGreaterThan(0);
  });
});

describe("learning a driver's own flush", () => {
  test("queue a work, wait for the completion it signals: the function waits for that work", async () => {
    const a = await analyseC({
      "d.c": `
struct fdev { struct workqueue_struct *wq; struct work_struct flush_work; struct completion flushed; struct mutex lock; };
static void fdev_flush_work(struct work_struct *w)
{
	struct fdev *fd = container_of(w, struct fdev, flush_work);

	mutex_lock(&fd->lock);
	fd->pending = 0;
	mutex_unlock(&fd->lock);
	complete(&fd->flushed);
}
static void fdev_setup(struct fdev *fd) { INIT_WORK(&fd->flush_work, fdev_flush_work); }
static void fdev_flush(struct fdev *fd)
{
	reinit_completion(&fd->flushed);
	queue_work(fd->wq, &fd->flush_work);
	wait_for_completion(&fd->flushed);
}
static void fdev_reset(struct fdev *fd)
{
	mutex_lock(&fd->lock);
	fdev_flush(fd);
	mutex_unlock(&fd->lock);
}`,
    });
    expect(a.functions.get("fdev_flush")!.facts.acquires).toMatchObject([{ cls: "work:fdev_flush_work", how: "wait", api: "wait_for_completion" }]);
    // …so fdev_reset() waits, under fd->lock, for work that takes fd->lock.
    expect(edges(a)).toContain("fdev.lock -> work:fdev_flush_work");
    expect(edges(a)).toContain("work:fdev_flush_work -> fdev.lock");
  });

  test("a wrapper declared in the configuration's kernel rows counts as a flush", async () => {
    const src = `static void d_stop(struct ddev *d) { mutex_lock(&d->lock); drbd_flush_workqueue(d->wq); mutex_unlock(&d->lock); }`;
    const plain = await analyseC({ "d.c": src });
    expect(edges(plain)).toEqual([]);
    const { buildModel } = await import("../../src/cmodel/build.js");
    const { analyse } = await import("../../src/analysis/program.js");
    const km = loadKernelModel({ rows: { implicit: [{ names: ["drbd_flush_workqueue"], waits: [{ on: "workqueue", arg: 0 }] }] }, source: ".lockreview.yml" });
    const a = analyse([{ model: await buildModel({ path: "d.c", text: src, context: "file" }), context: "file" }], km);
    expect(edges(a)).toEqual(["ddev.lock -> wq:ddev.wq"]);
  });
});
