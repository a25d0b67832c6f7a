// Statement shapes of real driver code the walk must read right. Blocks of
// one function under the same preprocessor condition take the
// same branch: a lock and its unlock each under `#ifndef __CHECKER__`
// (qla2xxx's qla82xx_wr_32(), Linux 6.1) are one configuration, not four.
import { describe, expect, test } from "@jest/globals";
import { factNames } from "../../src/analysis/walk.js";
import { analyseC, edges } from "../helpers/engine.js";

const wr32 = (second: string) => `
static int demo_wr_32(struct demo_hw *ha, ulong off, u32 data)
{
	int rv = demo_pci_get_crb_addr(ha, &off);

	if (rv == 1) {
#ifndef __CHECKER__
		write_lock_irqsave(&ha->hw_lock, flags);
#endif
		demo_crb_win_lock(ha);
	}
	writel(data, (void __iomem *)off);
	if (rv == 1) {
${second}
		write_unlock_irqrestore(&ha->hw_lock, flags);
#endif
	}
	return 0;
}
`;

describe("preprocessor conditions", () => {
  test("a lock and its unlock under the same #ifndef: the lock never leaks out of the function", async () => {
    const a = await analyseC({ "qla.c": wr32("#ifndef __CHECKER__") });
    const held = a.functions.get("demo_wr_32")!.facts.returns.flatMap((r) => r.held.map((h) => h.cls));
    expect(held).not.toContain("demo_hw.hw_lock");
  });

  test("under opposite conditions the unlock is not the lock's pair (both kept apart)", async () => {
    const a = await analyseC({ "qla.c": wr32("#ifdef __CHECKER__") });
    const held = a.functions.get("demo_wr_32")!.facts.returns.flatMap((r) => r.held.map((h) => h.cls));
    expect(held).toContain("demo_hw.hw_lock");
  });
});

describe("calls through an expression", () => {
  test("(w ? up_write : up_read)(&b->lock) releases the lock (bcache's rw_unlock shape)", async () => {
    const a = await analyseC({
      "btree.h": `struct demo_btree { struct rw_semaphore lock; };
static void demo_rw_lock(bool w, struct demo_btree *b) { w ? down_write(&b->lock) : down_read(&b->lock); }
static void demo_rw_unlock(bool w, struct demo_btree *b) { (w ? up_write : up_read)(&b->lock); }
static void demo_use(struct demo_btree *b) { demo_rw_lock(true, b); demo_rw_unlock(true, b); }
`,
    });
    const rel = a.functions.get("demo_rw_unlock")!.facts.releases.map((r) => r.cls);
    expect(rel).toEqual(["demo_btree.lock"]);
    expect(a.functions.get("demo_use")!.facts.returns.flatMap((r) => r.held.map((h) => h.cls))).toEqual([]);
  });
});

describe("lock helpers that report by their return value", () => {
  test("error without the lock, 0 with it: `err = helper(); if (err) return err;` (ubi's leb_write_lock shape)", async () => {
    const a = await analyseC({
      "eba.c": `struct demo_entry { struct rw_semaphore mutex; };
static int demo_write_lock(struct demo_dev *d, int lnum)
{
	struct demo_entry *le;

	le = demo_add_entry(d, lnum);
	if (IS_ERR(le))
		return PTR_ERR(le);
	down_write(&le->mutex);
	return 0;
}

static int demo_write_leb(struct demo_dev *d, int lnum)
{
	int err;

	err = demo_write_lock(d, lnum);
	if (err)
		return err;
	demo_io(d, lnum);
	demo_write_unlock(d, lnum);
	return 0;
}
`,
    });
    const net = a.functions.get("demo_write_lock")!.summary.net.acquired;
    expect(net.map((x) => [x.cls, x.conditional, x.when])).toEqual([["demo_entry.mutex", true, "zero"]]);
    // The error return does not hold it.
    const errRet = a.functions.get("demo_write_leb")!.facts.returns.filter((r) => r.value === true);
    expect(errRet.flatMap((r) => r.held.map((h) => h.cls))).toEqual([]);
  });
});

describe("locals that copy a field", () => {
  test("wq = obj->wq; obj->wq = NULL; destroy_workqueue(wq) destroys obj's workqueue (megaraid's teardown shape)", async () => {
    const a = await analyseC({
      "mr.c": `struct demo_inst { struct workqueue_struct *fw_fault_wq; };
static void demo_teardown(struct demo_inst *inst)
{
	struct workqueue_struct *wq;

	wq = inst->fw_fault_wq;
	inst->fw_fault_wq = NULL;
	if (wq)
		destroy_workqueue(wq);
}
`,
    });
    const w = a.functions.get("demo_teardown")!.facts.acquires.find((x) => x.api === "destroy_workqueue");
    expect(w?.cls).toBe("wq:demo_inst.fw_fault_wq");
  });

  test("a local assigned twice is no alias", async () => {
    const a = await analyseC({
      "mr.c": `struct demo_inst { struct workqueue_struct *a_wq, *b_wq; };
static void demo_teardown(struct demo_inst *inst, bool x)
{
	struct workqueue_struct *wq = inst->a_wq;

	if (x)
		wq = inst->b_wq;
	destroy_workqueue(wq);
}
`,
    });
    const w = a.functions.get("demo_teardown")!.facts.acquires.find((x) => x.api === "destroy_workqueue");
    expect(w?.cls).toBe("wq:demo_teardown:wq");
  });
});

describe("leaving a framework's context", () => {
  test("sysfs_break_active_protection(): the store no longer holds its kernfs reference (scsi's sdev_store_delete shape)", async () => {
    const src = (brk: string) => `
static ssize_t delete_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t count)
{
	struct kernfs_node *kn;

${brk}	demo_remove_device(to_demo_device(dev));
	return count;
}
static DEVICE_ATTR_WO(delete);
static void demo_remove_device(struct demo_device *d)
{
	device_del(&d->dev);
}
`;
    const withBreak = await analyseC({ "s.c": src("\tkn = sysfs_break_active_protection(&dev->kobj, &attr->attr);\n") });
    const without = await analyseC({ "s.c": src("") });
    expect(edges(without)).toContain("kernfs:device -> kernfs:device");
    expect(edges(withBreak)).not.toContain("kernfs:device -> kernfs:device");
  });
});

describe("cleanup in a callee", () => {
  test("an init error path that calls the module's exit function frees what that function destroys (bcache_init's shape)", async () => {
    const src = (onError: string) => `
static struct workqueue_struct *demo_wq;

static void demo_exit(void)
{
	if (demo_wq)
		destroy_workqueue(demo_wq);
}

static int __init demo_init(void)
{
	demo_wq = alloc_workqueue("demo", 0, 0);
	if (!demo_wq)
		return -ENOMEM;
	if (demo_register()) {
${onError}		return -EIO;
	}
	return 0;
}
module_init(demo_init);
module_exit(demo_exit);
`;
    const leaks = async (onError: string) =>
      (await analyseC({ "d.c": src(onError) })).functions.get("demo_init")!.facts.returns.filter((r) => r.value === true && r.held.some((h) => h.cls === "alloc:wq:demo_wq")).length;
    expect(await leaks("")).toBe(1);
    expect(await leaks("\t\tdemo_exit();\n")).toBe(0);
  });
});

describe("correlated conditions around a loop", () => {
  test("if (rev4) lock; a loop testing its cursor's fields; if (rev4) unlock: no leak (lpfc_els_flush_cmd's shape)", async () => {
    const a = await analyseC({
      "els.c": `struct demo_ring { spinlock_t ring_lock; };
static void demo_flush(struct demo_hba *h, struct demo_ring *ring, struct demo_port *port)
{
	struct demo_io *p, *t;
	unsigned long flags;
	int cmd, tmo_err;

	spin_lock_irqsave(&h->hbalock, flags);
	if (h->sli_rev == DEMO_REV4)
		spin_lock(&ring->ring_lock);
	tmo_err = test_bit(DEMO_TMO_ERR, &h->bit_flags);
	list_for_each_entry_safe(p, t, &ring->txcmplq, list) {
		if (p->cmd_flag & DEMO_IO_LIBDFC && !tmo_err)
			continue;
		if (p->port != port)
			continue;
		if (p->cmd_flag & DEMO_DRIVER_ABORTED && !tmo_err)
			continue;
		cmd = demo_job_cmd(h, p);
		if (cmd == DEMO_ELS_REQUEST || cmd == DEMO_ELS_RSP) {
			list_add_tail(&p->dlist, &h->abort_list);
			if (h->link_state == DEMO_LINK_DOWN)
				p->cmd_cmpl = demo_cmpl_link_down;
		} else if (cmd == DEMO_GEN_REQUEST || tmo_err)
			list_add_tail(&p->dlist, &h->abort_list);
	}
	if (h->sli_rev == DEMO_REV4)
		spin_unlock(&ring->ring_lock);
	spin_unlock_irqrestore(&h->hbalock, flags);

	list_for_each_entry_safe(p, t, &h->abort_list, dlist) {
		spin_lock_irqsave(&h->hbalock, flags);
		list_del_init(&p->dlist);
		if (tmo_err)
			list_move_tail(&p->list, &h->cancel_list);
		else
			demo_abort_iotag(h, ring, p);
		spin_unlock_irqrestore(&h->hbalock, flags);
	}
	spin_lock_irqsave(&h->hbalock, flags);
	if (h->sli_rev == DEMO_REV4)
		spin_lock(&ring->ring_lock);
	list_for_each_entry_safe(p, t, &ring->txq, list) {
		cmd = demo_job_cmd(h, p);
		if (p->cmd_flag & DEMO_IO_LIBDFC)
			continue;
		if (cmd == DEMO_QUE_RING_BUF || cmd == DEMO_QUE_RING_BUF64 || cmd == DEMO_CLOSE_XRI || cmd == DEMO_ABORT_XRI || cmd == DEMO_ABORT_XRI_CX)
			continue;
		if (p->port != port)
			continue;
		list_add_tail(&p->list, &h->abort_list);
	}
	if (port == h->pport) {
		list_for_each_entry_safe(p, t, &h->fabric_list, list)
			list_add_tail(&p->list, &h->abort_list);
	}
	if (h->sli_rev == DEMO_REV4)
		spin_unlock(&ring->ring_lock);
	spin_unlock_irqrestore(&h->hbalock, flags);
}
`,
    });
    expect(a.functions.get("demo_flush")!.facts.returns.flatMap((r) => r.held.map((h) => h.cls))).toEqual([]);
  });
});

describe("which tested values the walk remembers", () => {
  test("values tested only inside a loop are kept only when a test guards a lock operation", async () => {
    const a = await analyseC({
      "els.c": `struct demo_ring { spinlock_t ring_lock; };
static void demo_scan(struct demo_hba *h, struct demo_ring *ring)
{
	struct demo_io *p, *t;

	list_for_each_entry_safe(p, t, &ring->txq, list) {
		if (p->cmd_flag & DEMO_LIBDFC)
			demo_skip(p);
		if (p->busy)
			spin_lock(&ring->ring_lock);
		demo_poke(p);
		if (p->busy)
			spin_unlock(&ring->ring_lock);
	}
}
`,
    });
    const names = factNames(a.functions.get("demo_scan")!.fn, (n) => /^spin_(un)?lock$/.test(n));
    expect(names && [...names].sort()).toEqual(["h", "p->busy", "ring"]);
  });
});

// iscsi-scst's iscsi_session_push_cmnd() (SCST 2007): the lock is dropped at
// the top of `while (1)` and re-taken at its bottom; the loop is left only by
// the breaks, after the unlock. A condition that is a nonzero constant never
// ends the loop.
const forever = (head: string) => `
struct sess { spinlock_t sn_lock; struct list_head pending; u32 exp_sn; };

static void sess_push(struct sess *s, struct cmnd *c)
{
	spin_lock(&s->sn_lock);
	${head} {
		s->exp_sn++;
		spin_unlock(&s->sn_lock);
		cmnd_exec(c);
		if (list_empty(&s->pending))
			break;
		c = list_first_entry(&s->pending, struct cmnd, entry);
		if (c->sn != s->exp_sn)
			break;
		spin_lock(&s->sn_lock);
	}
}
`;

describe("loops on a constant condition", () => {
  for (const head of ["while (1)", "for (;;)", "while (true)"]) {
    test(`${head}: left only by its breaks, so the lock re-taken at the bottom is not held after it`, async () => {
      const a = await analyseC({ "iscsi.c": forever(head) });
      const held = a.functions.get("sess_push")!.facts.returns.flatMap((r) => r.held.map((h) => h.cls));
      expect(held).not.toContain("sess.sn_lock");
    });
  }
  test("a loop on a real condition can end with the lock re-taken", async () => {
    const a = await analyseC({ "iscsi.c": forever("while (s->exp_sn)") });
    const held = a.functions.get("sess_push")!.facts.returns.flatMap((r) => r.held.map((h) => h.cls));
    expect(held).toContain("sess.sn_lock");
  });
});
