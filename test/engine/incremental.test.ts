// A file built again from its previous build (cmodel/incremental.ts) gives
// the model a fresh build gives, and does take unchanged functions over.
import { describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildModel, buildModelFrom } from "../../src/cmodel/build.js";
import type { CFileModel } from "../../src/cmodel/ir.js";
import { shiftLines, textEdit } from "../../src/cmodel/incremental.js";
import { ModelCache } from "../../src/review/analyze.js";
import { linuxMissing, linuxRoot, noteSkip } from "../helpers/linux.js";

// Every statement kind of the IR, with line numbers in each.
const DRIVER = `#include <linux/mutex.h>

static DEFINE_MUTEX(xdev_lock);

struct xdev {
	struct mutex lock;
	struct workqueue_struct *wq;
	struct work_struct work;
	int users;
};

static void xdev_work(struct work_struct *w)
{
	struct xdev *x = xdev_of(w);
	struct workqueue_struct *wq = x->wq;

	mutex_lock(&x->lock);
	switch (x->users) {
	case 0:
		queue_work(wq, &x->work);
		break;
	default:
		goto out;
	}
out:
	mutex_unlock(&x->lock);
}

static int xdev_open(struct xdev *x) __must_hold(&xdev_lock)
{
	int ret = 0;

	if (!mutex_trylock(&x->lock))
		return -EBUSY;
	while (x->users < 0) {
		x->users++;
		continue;
	}
#ifdef CONFIG_XDEV_DEBUG
	pr_debug("open\\n");
#else
	x->users++;
#endif
	do {
		ret = flush_workqueue(x->wq);
	} while (0);
	mutex_unlock(&x->lock);
	return ret;
}

static void xdev_release(struct xdev *x)
{
	guard(mutex)(&x->lock);
	scoped_guard(mutex, &xdev_lock) {
		x->users--;
	}
	list_for_each_entry(x, &xdevs, node) {
		flush_work(&x->work);
	}
}

static void xdev_broken(struct xdev *x)
{
	mutex_lock(&x->lock)
	x->users = ;
}

static const struct block_device_operations xdev_fops = {
	.open = xdev_open,
	.release = xdev_release,
};
`;

const PATH = "drivers/block/xdev.c";

async function fresh(text: string): Promise<CFileModel> {
  return buildModel({ path: PATH, text, context: "tree" });
}

/** The model of `after`, built from a build of `before`, and the functions taken over as they were. */
async function incremental(before: string, after: string): Promise<{ model: CFileModel; same: string[] }> {
  const first = await buildModelFrom({ path: PATH, text: before, context: "tree" }, undefined);
  const second = await buildModelFrom({ path: PATH, text: after, context: "tree" }, first.next);
  second.next.tree.delete();
  const same = second.model.functions.filter((f) => first.model.functions.includes(f)).map((f) => f.name);
  return { model: second.model, same };
}

const insertAfter = (text: string, anchor: string, line: string) => {
  expect(text).toContain(anchor);
  return text.replace(anchor, `${anchor}\n${line}`);
};

describe("incremental model builds", () => {
  test("a line added inside one function: the functions before it are taken over, those after it moved, and the model is a fresh build's", async () => {
    const after = insertAfter(DRIVER, "\tint ret = 0;\n", "\tmutex_lock(&xdev_lock);");
    const { model, same } = await incremental(DRIVER, after);
    expect(model).toEqual(await fresh(after));
    // Above the change: the very same objects (nothing moved).
    expect(same).toEqual(["xdev_work"]);
    const rel = model.functions.find((f) => f.name === "xdev_release")!;
    expect(rel.line).toBe(DRIVER.split("\n").findIndex((l) => l.startsWith("static void xdev_release")) + 2);
  });

  test("lines removed, a function added, an annotation changed: still a fresh build's model", async () => {
    const removed = DRIVER.replace("\tmutex_lock(&x->lock);\n\tswitch", "\tswitch");
    const added = DRIVER.replace("static void xdev_broken", "static void xdev_new(void)\n{\n\tflush_workqueue(system_wq);\n}\n\nstatic void xdev_broken");
    const annotated = DRIVER.replace("__must_hold(&xdev_lock)", "__must_hold(&x->lock)");
    for (const after of [removed, added, annotated, DRIVER.replace("\n", "\n\n\n"), ""]) {
      const { model } = await incremental(DRIVER, after);
      expect(model).toEqual(await fresh(after));
      // Back again, from the edited build.
      expect((await incremental(after, DRIVER)).model).toEqual(await fresh(DRIVER));
    }
  });

  test("a function whose annotation changed, or that tree-sitter could not parse cleanly, is built again", async () => {
    const annotated = DRIVER.replace("__must_hold(&xdev_lock)", "__must_hold(&x->lock)");
    const { same } = await incremental(DRIVER, annotated);
    // xdev_open's annotation differs; xdev_release's macro blocks and xdev_broken are ERROR nodes to tree-sitter.
    expect(same).toEqual(["xdev_work"]);
    const { model } = await incremental(DRIVER, insertAfter(DRIVER, "#include <linux/mutex.h>\n", "/* moved */"));
    expect(model.functions.find((f) => f.name === "xdev_open")!.annotations).toEqual([{ name: "__must_hold", arg: "&xdev_lock" }]);
  });

  test("shiftLines moves line and endLine fields only, at any depth", () => {
    const v = { line: 3, endLine: 9, n: 4, body: [{ line: 5, calls: [{ line: 5, args: [{ text: "line" }] }] }] };
    expect(shiftLines(v, 2)).toEqual({ line: 5, endLine: 11, n: 4, body: [{ line: 7, calls: [{ line: 7, args: [{ text: "line" }] }] }] });
    expect(shiftLines(v, 0)).toBe(v);
  });

  test("textEdit: the one edit between two texts, in rows and columns", () => {
    const e = textEdit("ab\ncd\nef", "ab\ncXd\nef");
    expect([e.startIndex, e.oldEndIndex, e.newEndIndex]).toEqual([4, 4, 5]);
    expect([e.startPosition, e.oldEndPosition, e.newEndPosition]).toEqual([{ row: 1, column: 1 }, { row: 1, column: 1 }, { row: 1, column: 2 }]);
  });

  test("the review's model cache builds the other image of a file from the first", async () => {
    const after = insertAfter(DRIVER, "\tint ret = 0;\n", "\tmutex_lock(&xdev_lock);");
    const cache = new ModelCache();
    try {
      const a = await cache.get({ path: PATH, text: DRIVER, context: "tree" });
      const b = await cache.get({ path: PATH, text: after, context: "tree" });
      expect(b.functions[0]).toBe(a.functions[0]);
      expect(b).toEqual(await fresh(after));
      // A view numbered through a line map is always built afresh.
      const text = `/* fuzz */\n${DRIVER}`;
      const mapped = await cache.get({ path: PATH, text, context: "fuzzy", lineMap: text.split("\n").map((_, i) => i + 2) });
      expect(mapped.functions[0]).not.toBe(a.functions[0]);
      expect(mapped.functions[0]!.line).toBe(a.functions[0]!.line + 2);
    } finally {
      cache.close();
    }
  });
});

const suite = linuxMissing ? describe.skip : describe;
noteSkip("incremental model builds on linux-source-6.1");

suite("incremental model builds on Linux 6.1 drivers/block", () => {
  test("every drivers/block/*.c, a line added and one removed in the middle: the models of fresh builds", async () => {
    const dir = join(linuxRoot(["drivers/block"]), "drivers", "block");
    const files = readdirSync(dir).filter((f) => f.endsWith(".c")).sort();
    expect(files.length).toBeGreaterThan(10);
    let taken = 0;
    for (const f of files.slice(0, 12)) {
      const text = readFileSync(join(dir, f), "utf8");
      const lines = text.split("\n");
      const mid = lines.length >> 1;
      const added = [...lines.slice(0, mid), "\tmutex_lock(&added_lock);", ...lines.slice(mid)].join("\n");
      const removed = [...lines.slice(0, mid), ...lines.slice(mid + 1)].join("\n");
      for (const after of [added, removed]) {
        const { model, same } = await incremental(text, after);
        expect({ f, model }).toEqual({ f, model: await fresh(after) });
        taken += same.length;
      }
    }
    expect(taken).toBeGreaterThan(50);
  }, 120_000);
});
