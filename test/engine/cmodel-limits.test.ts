// The C model's bounds: nesting deeper than the model keeps becomes one
// opaque block with a note, nothing recurses past a fixed depth, one
// function that cannot be modelled never takes its file with it, and text
// over the size caps is not parsed (../shared/repro: deep-if-1000,
// open-braces-2k-one-line, scan-deep-if-1000, gen-5mb-line).
import { describe, expect, test } from "@jest/globals";
import { analyse } from "../../src/analysis/program.js";
import { MAX_EXPR_DEPTH, MAX_STMT_DEPTH, buildModel } from "../../src/cmodel/build.js";
import type { Stmt, Test } from "../../src/cmodel/ir.js";
import { DEFAULT_C_MODEL_LIMITS, overCModelLimits, parseSize } from "../../src/cmodel/limits.js";
import { loadKernelModel } from "../../src/kernel/model.js";

function stmtDepth(list: Stmt[]): number {
  let max = 0;
  for (const s of list) {
    let d = 0;
    if (s.k === "block") d = stmtDepth(s.body);
    else if (s.k === "if") d = Math.max(stmtDepth([s.then]), s.else ? stmtDepth([s.else]) : 0);
    else if (s.k === "loop" || s.k === "scoped") d = stmtDepth([s.body]);
    else if (s.k === "alt") d = stmtDepth(s.branches);
    else if (s.k === "switch") d = Math.max(0, ...s.cases.map((c) => stmtDepth(c.body)));
    max = Math.max(max, d + 1);
  }
  return max;
}

function testDepth(t: Test): number {
  if (t.t === "and" || t.t === "or") return 1 + Math.max(testDepth(t.l), testDepth(t.r));
  if (t.t === "not") return 1 + testDepth(t.e);
  return 1;
}

function conds(list: Stmt[], out: Test[] = []): Test[] {
  for (const s of list) {
    if (s.k === "if") {
      out.push(s.cond.test);
      conds([s.then, ...(s.else ? [s.else] : [])], out);
    } else if (s.k === "block") conds(s.body, out);
  }
  return out;
}

// A driver file: a release callback that flushes under open_mutex, and a
// helper whose body nests `levels` deep.
function deepFile(levels: number, inner = "\t\tmutex_lock(&dz_lock);\n"): string {
  return `#include <linux/blkdev.h>
static DEFINE_MUTEX(dz_lock);
struct dz_dev { struct work_struct w; int n; };
static int dz_helper(struct dz_dev *d)
{
	int x = d->n;
${"\tif (x) {\n".repeat(levels)}${inner}${"\t}\n".repeat(levels)}	return x;
}

static void dz_release(struct gendisk *disk)
{
	struct dz_dev *d = disk->private_data;
	flush_work(&d->w);
}

static const struct block_device_operations dz_fops = { .release = dz_release, };
`;
}

describe("statement nesting", () => {
  test("1,000 nested ifs: the model stays shallow, the function is partial with a note, its neighbour is whole", async () => {
    const m = await buildModel({ path: "drivers/block/dz.c", context: "file", text: deepFile(1000) });
    const helper = m.functions.find((f) => f.name === "dz_helper")!;
    const release = m.functions.find((f) => f.name === "dz_release")!;
    expect(stmtDepth(helper.body)).toBeLessThanOrEqual(MAX_STMT_DEPTH + 1);
    expect(helper.partial).toBe(true);
    expect(release.partial).toBe(false);
    expect(release.body.some((s) => s.k === "expr" && s.calls.some((c) => c.name === "flush_work"))).toBe(true);
    expect(m.notes).toEqual([`drivers/block/dz.c: dz_helper() nests statements more than ${MAX_STMT_DEPTH} levels deep; the part below that from line ${6 + MAX_STMT_DEPTH / 2 + 1} was not modelled`]);
    expect(m.failures).toBeUndefined();
    // And the analysis over it finishes (it recurses over the statement tree).
    const a = analyse([{ model: m, context: "file" }], loadKernelModel());
    expect(a.functions.get("dz_release")).toBeDefined();
  });

  test("nesting the model keeps in full gets no note", async () => {
    const m = await buildModel({ path: "dz.c", context: "file", text: deepFile(MAX_STMT_DEPTH / 2 - 2) });
    expect(m.notes).toBeUndefined();
    expect(m.functions.find((f) => f.name === "dz_helper")!.partial).toBe(false);
  });

  test("2,000 '{' on one line", async () => {
    const text = `static void dz_braces(struct dz_dev *d)\n{\n\t${"{".repeat(2000)} mutex_lock(&dz_lock); ${"}".repeat(2000)}\n\tflush_work(&d->w);\n}\n`;
    const m = await buildModel({ path: "dz.c", context: "file", text });
    const [f] = m.functions;
    expect(stmtDepth(f!.body)).toBeLessThanOrEqual(MAX_STMT_DEPTH + 1);
    expect(f!.body.at(-1)).toMatchObject({ k: "expr", calls: [{ name: "flush_work" }] });
    expect(m.notes).toEqual([`dz.c: dz_braces() nests statements more than ${MAX_STMT_DEPTH} levels deep; the part below that from line 3 was not modelled`]);
  });

  test("deeply nested broken code at the top level (ERROR nodes in ERROR nodes) does not overflow", async () => {
    const text = `${"DZ_MACRO( ".repeat(3000)}\nstatic void dz_fine(struct dz_dev *d)\n{\n\tflush_work(&d->w);\n}\n`;
    const m = await buildModel({ path: "dz.c", context: "file", text });
    expect(m.parseErrors).toBeGreaterThan(0);
  });

  test("a condition of 5,000 '&&' is kept to a bounded depth", async () => {
    const cond = Array.from({ length: 5000 }, (_, i) => `d->f${i}`).join(" && ");
    const text = `static void dz_cond(struct dz_dev *d)\n{\n\tif (${cond})\n\t\tmutex_lock(&dz_lock);\n}\n`;
    const m = await buildModel({ path: "dz.c", context: "file", text });
    const [t] = conds(m.functions[0]!.body);
    expect(testDepth(t!)).toBeLessThanOrEqual(MAX_EXPR_DEPTH + 2);
  });
});

describe("one function that cannot be modelled", () => {
  test("is left empty and partial with a failure; the rest of the file is modelled", async () => {
    const text = deepFile(3);
    const rows = text.split("\n");
    const badRow = rows.findIndex((l) => l.includes("mutex_lock(&dz_lock)"));
    // A line map that fails for one row inside dz_helper()'s body: whatever
    // throws while one body is built.
    const map = new Proxy(
      rows.map((_, i) => i + 1),
      {
        get(t, k) {
          if (k === String(badRow)) throw new Error("line map broken here");
          return Reflect.get(t, k);
        },
      },
    );
    const m = await buildModel({ path: "dz.c", context: "file", text, lineMap: map });
    const helper = m.functions.find((f) => f.name === "dz_helper")!;
    expect(helper).toMatchObject({ partial: true, body: [] });
    expect(m.failures).toEqual(["dz.c: dz_helper() could not be modelled (line map broken here); its body was not reviewed"]);
    expect(m.functions.find((f) => f.name === "dz_release")!.body.length).toBeGreaterThan(0);
    expect(m.ops.map((o) => o.fn)).toEqual(["dz_release"]);
  });
});

describe("size caps", () => {
  test("defaults: 4 MiB of C, 64 KiB a line", () => {
    expect(DEFAULT_C_MODEL_LIMITS).toEqual({ maxBytes: 4 * 1024 * 1024, maxLineBytes: 64 * 1024 });
  });

  test("over the size, over one line, or within both", () => {
    const limits = { maxBytes: 1000, maxLineBytes: 100 };
    expect(overCModelLimits("int x;\n".repeat(100), limits)).toBe(null);
    expect(overCModelLimits("int x;\n".repeat(200), limits)).toEqual({ message: "1.4 KiB of C is over the C model's 1000 bytes cap", cap: "over the C model's 1000 bytes cap" });
    expect(overCModelLimits(`a\nb\n${"x".repeat(150)}\n`, limits)?.message).toBe("line 3 is 150 bytes long, over the C model's 100 bytes cap for one line");
    // Hunks views are numbered through their line map.
    expect(overCModelLimits(`a\n${"x".repeat(150)}\n`, limits, [0, 42])?.message).toBe("line 42 is 150 bytes long, over the C model's 100 bytes cap for one line");
    // Bytes, not UTF-16 units: 60 "é" are 120 bytes.
    expect(overCModelLimits("é".repeat(60), limits)?.message).toMatch(/^line 1 is 120 bytes long/);
  });

  test("sizes are read like 4M, 512k, 1048576", () => {
    expect([parseSize("4M"), parseSize("512k"), parseSize("1048576"), parseSize("2MiB"), parseSize(4096)]).toEqual([4194304, 524288, 1048576, 2097152, 4096]);
    expect([parseSize("0"), parseSize("lots"), parseSize("-1"), parseSize(1.5)]).toEqual([null, null, null, null]);
  });
});
