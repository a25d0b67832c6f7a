// Lock-state walk and summaries, one behaviour each, on small kernel-style C
// written for these tests.
import { describe, expect, test } from "@jest/globals";
import { analyseC, edges, heldAt } from "../helpers/engine.js";

describe("lock-state walk", () => {
  test("a lock is held at a call two levels of static calls down", async () => {
    const a = await analyseC({
      "drv.c": `
static DEFINE_MUTEX(drv_lock);
static void leaf(struct drv *d) { del_gendisk(d->disk); }
static void middle(struct drv *d) { leaf(d); }
static void top(struct drv *d)
{
	mutex_lock(&drv_lock);
	middle(d);
	mutex_unlock(&drv_lock);
}`,
    });
    expect(heldAt(a, "top", "middle")).toEqual([["drv_lock"]]);
    const ev = a.graph.evidence("drv_lock", "gendisk.open_mutex");
    expect(ev).toHaveLength(1);
    expect(ev[0].function).toBe("top");
    expect(ev[0].path.map((s) => s.function)).toEqual(["top", "middle", "leaf"]);
    expect(ev[0].path.at(-1)!.line).toBe(3);
  });

  test("a lock taken and released under the same flag test stays paired past many unrelated tests", async () => {
    // drbd_req_state()'s shape: `if (f & SER) lock … if (f & SER) unlock`, with
    // more one-off tests in between than the walk keeps states for. Facts about
    // values nothing re-tests are not kept, so the flag's fact survives.
    const singles = ["a", "b", "c", "d", "e", "g", "h"].map((v) => `\tif (d->${v})\n\t\tnote(d);\n`).join("");
    const a = await analyseC({
      "drv.c": `
static int req_state(struct drv *d, unsigned int f)
{
	if (f & SER)
		mutex_lock(&d->state_mutex);
${singles}	if (f & SER)
		mutex_unlock(&d->state_mutex);
	return 0;
}
static void teardown(struct drv *d)
{
	req_state(d, 0);
	del_gendisk(d->disk);
}`,
    });
    expect(heldAt(a, "teardown", "del_gendisk")).toEqual([[]]);
    expect(edges(a)).not.toContain("drv.state_mutex -> gendisk.open_mutex");
  });

  test("a lock released on the error path is not held at the call after it", async () => {
    const a = await analyseC({
      "drv.c": `
static int f(struct drv *d)
{
	mutex_lock(&d->lock);
	if (d->dead) {
		mutex_unlock(&d->lock);
		del_gendisk(d->disk);
		return -ENODEV;
	}
	mutex_unlock(&d->lock);
	return 0;
}`,
    });
    expect(heldAt(a, "f", "del_gendisk")).toEqual([[]]);
    expect(edges(a)).not.toContain("drv.lock -> gendisk.open_mutex");
  });

  test("trylock holds the lock only on its success branch", async () => {
    const a = await analyseC({
      "drv.c": `
static void f(struct drv *d)
{
	if (!mutex_trylock(&d->lock)) {
		busy_path(d);
		return;
	}
	locked_path(d);
	mutex_unlock(&d->lock);
}`,
    });
    expect(heldAt(a, "f", "busy_path")).toEqual([[]]);
    expect(heldAt(a, "f", "locked_path")).toEqual([["drv.lock"]]);
  });

  test("mutex_lock_interruptible through a variable: held only when it returned 0", async () => {
    const a = await analyseC({
      "drv.c": `
static int f(struct drv *d)
{
	int ret;

	ret = mutex_lock_interruptible(&d->lock);
	if (ret)
		return ret;
	work(d);
	mutex_unlock(&d->lock);
	return 0;
}`,
    });
    expect(heldAt(a, "f", "work")).toEqual([["drv.lock"]]);
    const f = a.functions.get("f")!;
    expect(f.summary.net.acquired).toEqual([]);
  });

  test("guard() holds to the end of its block; scoped_guard only inside its body", async () => {
    const a = await analyseC({
      "drv.c": `
static void f(struct drv *d)
{
	{
		guard(mutex)(&d->lock);
		inside(d);
	}
	outside(d);
	scoped_guard(spinlock_irqsave, &d->slock) {
		in_scope(d);
	}
	after_scope(d);
}`,
    });
    expect(heldAt(a, "f", "inside")).toEqual([["drv.lock"]]);
    expect(heldAt(a, "f", "outside")).toEqual([[]]);
    expect(heldAt(a, "f", "in_scope")).toEqual([["drv.slock"]]);
    expect(heldAt(a, "f", "after_scope")).toEqual([[]]);
  });

  test("goto to a cleanup label carries the held lock to the label", async () => {
    const a = await analyseC({
      "drv.c": `
static int f(struct drv *d)
{
	int err = 0;

	mutex_lock(&d->lock);
	if (setup(d)) {
		err = -EIO;
		goto out_unlock;
	}
	more(d);
out_unlock:
	cleanup(d);
	mutex_unlock(&d->lock);
	after(d);
	return err;
}`,
    });
    expect(heldAt(a, "f", "cleanup")).toEqual([["drv.lock"]]);
    expect(heldAt(a, "f", "after")).toEqual([[]]);
    expect(a.functions.get("f")!.facts.releases.map((r) => r.matched)).toEqual(["acquired"]);
  });

  test("refcount_dec_and_mutex_lock: the mutex is held in the last-reference branch", async () => {
    const a = await analyseC({
      "drv.c": `
static DEFINE_MUTEX(idx_lock);
static void put(struct drv *d)
{
	if (refcount_dec_and_mutex_lock(&d->refs, &idx_lock)) {
		remove_dev(d);
		mutex_unlock(&idx_lock);
	}
	other(d);
}`,
    });
    expect(heldAt(a, "put", "remove_dev")).toEqual([["idx_lock"]]);
    expect(heldAt(a, "put", "other")).toEqual([[]]);
    expect(a.functions.get("put")!.facts.callSites.find((c) => c.callee === "remove_dev")!.lastRef).toBe(true);
  });

  test("a lock wrapper leaves its lock held in the caller; an unlock wrapper releases it", async () => {
    const a = await analyseC({
      "drv.c": `
static void drv_lock(struct drv *d) { mutex_lock(&d->lock); }
static void drv_unlock(struct drv *d) { mutex_unlock(&d->lock); }
static void f(struct drv *d)
{
	drv_lock(d);
	body(d);
	drv_unlock(d);
	tail(d);
}`,
    });
    expect(heldAt(a, "f", "body")).toEqual([["drv.lock"]]);
    expect(heldAt(a, "f", "tail")).toEqual([[]]);
  });

  test("a prepare() that returns NULL after unlocking holds the lock only when it returned non-NULL", async () => {
    const a = await analyseC({
      "drv.c": `
static void *prepare(struct drv *d)
{
	void *p;

	mutex_lock(&d->lock);
	p = get_buf(d);
	if (!p)
		mutex_unlock(&d->lock);
	return p;
}
static int send(struct drv *d)
{
	void *p;

	p = prepare(d);
	if (!p)
		return -EIO;
	fill(d, p);
	mutex_unlock(&d->lock);
	return 0;
}`,
    });
    expect(a.functions.get("prepare")!.summary.net.acquired[0]).toMatchObject({ cls: "drv.lock", conditional: true, when: "nonzero" });
    expect(heldAt(a, "send", "fill")).toEqual([["drv.lock"]]);
    expect(a.functions.get("send")!.summary.net.acquired).toEqual([]);
  });

  test("a callee that drops and re-takes its caller's lock: nothing below the drop is under that lock", async () => {
    const a = await analyseC({
      "drv.c": `
static void wait_idle(struct drv *d)
{
	mutex_unlock(&d->lock);
	flush_workqueue(d->wq);
	mutex_lock(&d->lock);
}
static void f(struct drv *d)
{
	mutex_lock(&d->lock);
	wait_idle(d);
	mutex_unlock(&d->lock);
}`,
    });
    expect(edges(a)).not.toContain("drv.lock -> wq:drv.wq");
    const s = a.functions.get("wait_idle")!.summary;
    expect(s.net).toEqual({ acquired: [], released: [] });
    expect(s.drops).toMatchObject([{ cls: "drv.lock", relock: true }]);
  });

  test("a lock taken only when a parameter is false is not taken for a call passing true", async () => {
    // The shape of 6.1's __loop_clr_fd(lo, release): open_mutex only when !release.
    const a = await analyseC({
      "loop.c": `
static void clr_fd(struct loop_device *lo, bool release)
{
	if (!release)
		mutex_lock(&lo->lo_disk->open_mutex);
	rescan(lo);
	if (!release)
		mutex_unlock(&lo->lo_disk->open_mutex);
}
static void lo_release(struct gendisk *disk, fmode_t mode)
{
	struct loop_device *lo = disk->private_data;
	clr_fd(lo, true);
}
static int lo_ioctl_clr(struct loop_device *lo)
{
	mutex_lock(&lo->lo_mutex);
	clr_fd(lo, false);
	mutex_unlock(&lo->lo_mutex);
	return 0;
}
static const struct block_device_operations lo_fops = {
	.release = lo_release,
};`,
    });
    expect(edges(a)).not.toContain("gendisk.open_mutex -> gendisk.open_mutex");
    expect(edges(a)).toContain("loop_device.lo_mutex -> gendisk.open_mutex");
  });

  test("code under #if 0 is dead; both #ifdef branches are live", async () => {
    const a = await analyseC({
      "drv.c": `
static void f(struct drv *d)
{
	mutex_lock(&d->lock);
#if 0
	del_gendisk(d->disk);
#endif
#ifdef CONFIG_FOO
	flush_workqueue(d->wq);
#else
	destroy_workqueue(d->wq2);
#endif
	mutex_unlock(&d->lock);
}`,
    });
    expect(edges(a)).toEqual(["drv.lock -> wq:drv.wq", "drv.lock -> wq:drv.wq2"]);
  });

  test("iterator macros that tree-sitter splits are rejoined as loops and stay analysable", async () => {
    const a = await analyseC({
      "drv.c": `
static void f(struct drv *d)
{
	struct item *it;

	mutex_lock(&d->lock);
	list_for_each_entry(it, &d->items, list) {
		if (it->dead)
			continue;
		flush_work(&it->work);
	}
	mutex_unlock(&d->lock);
	done(d);
}`,
    });
    expect(heldAt(a, "f", "flush_work")).toEqual([["drv.lock"]]);
    expect(heldAt(a, "f", "done")).toEqual([[]]);
    expect(a.functions.get("f")!.fn.parseErrors).toBeGreaterThan(0);
  });
});
