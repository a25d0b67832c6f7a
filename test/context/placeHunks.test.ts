// Hunk placement: exact, at an offset, with fuzz, or not at all — per hunk,
// with the images numbered the way the patch numbers them.
import { describe, expect, test } from "@jest/globals";
import { parseDiffText } from "../../src/ingest/diff.js";
import { allPlaced, placeHunks } from "../../src/context/placeHunks.js";
import { makePatch } from "../helpers/ruleTester.js";

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `\t${tag}_${i + 1}();`);

function file(body: string[]): string {
  return ["static void demo(void)", "{", ...body, "}", ""].join("\n");
}

const before = file([...lines(10, "a"), "\tmutex_lock(&d->lock);", ...lines(10, "b"), "\tmutex_unlock(&d->lock);", ...lines(10, "c")]);
const after = before.replace("\tmutex_lock(&d->lock);\n", "\tmutex_lock(&d->lock);\n\tflush_work(&d->work);\n").replace("\tc_5();\n", "\tc_5();\n\tkfree(d);\n");
const fd = parseDiffText(makePatch("drivers/block/demo.c", before, after)).files[0];

describe("placeHunks", () => {
  test("places every hunk at its stated line on the patch's own pre-image", () => {
    const p = placeHunks(before, fd, { fuzz: 0 });
    expect(p.hunks.map((h) => h.fit)).toEqual(["exact", "exact"]);
    expect(p.text).toBe(after);
    expect(p.oldMap).toBeUndefined();
  });

  test("finds a hunk at an offset and numbers the images as the patch does", () => {
    const shifted = "/* twelve */\n".repeat(12) + before;
    const p = placeHunks(shifted, fd, { fuzz: 0 });
    expect(p.hunks.map((h) => h.fit)).toEqual(["offset", "offset"]);
    expect(p.text).toBe("/* twelve */\n".repeat(12) + after);
    // The added flush_work line is line 14 of the patch's post-image, row 12+13 of ours.
    const row = p.text!.split("\n").indexOf("\tflush_work(&d->work);");
    expect(row).toBe(25);
    expect(p.newMap![row]).toBe(14);
    expect(p.oldMap![12]).toBe(1);
  });

  test("needs fuzz when a context line differs, and says so", () => {
    const drifted = before.replace("\ta_9();", "\ta_9(); /* renamed upstream */").replace("\tb_3();", "\tb_three();");
    expect(allPlaced(placeHunks(drifted, fd, { fuzz: 0 }))).toBe(false);
    const p = placeHunks(drifted, fd, { fuzz: 2 });
    expect(p.hunks[0].fit).toBe("fuzz");
    expect(p.text).toContain("\tmutex_lock(&d->lock);\n\tflush_work(&d->work);\n\tb_1();");
  });

  test("drops context at a hunk's ends, as patch's fuzz does, when the line next to the change differs", () => {
    // A one-line-context diff (git diff -U1): jsdiff's fuzz never ignores
    // the lines on either side of an insertion; patch(1) drops them.
    const u1 = parseDiffText("--- a/demo.c\n+++ b/demo.c\n@@ -13,2 +13,3 @@\n \tmutex_lock(&d->lock);\n+\tflush_work(&d->work);\n \tb_1();\n").files[0];
    const drifted = before.replace("\tmutex_lock(&d->lock);", "\tmutex_lock_nested(&d->lock, 1);");
    const p = placeHunks(drifted, u1, { fuzz: 1 });
    expect(p.hunks[0].fit).toBe("fuzz");
    expect(p.text).toContain("\tmutex_lock_nested(&d->lock, 1);\n\tflush_work(&d->work);\n\tb_1();");
  });

  test("skips a hunk that fits nowhere and still places the others", () => {
    const rewritten = before.replace("\tmutex_lock(&d->lock);", "\tspin_lock(&d->slock);");
    const p = placeHunks(rewritten, fd, { fuzz: 2 });
    expect(p.hunks.map((h) => h.fit)).toEqual(["failed", "exact"]);
    expect(p.text).toContain("\tc_5();\n\tkfree(d);");
    expect(p.text).not.toContain("flush_work");
    // After a failed hunk the patch's numbering includes its added line; ours does not.
    const row = p.text!.split("\n").indexOf("\tkfree(d);");
    expect(p.newMap![row]).toBe(row + 2);
  });

  test("a deletion needs no text", () => {
    const del = parseDiffText(`diff --git a/x.c b/x.c\ndeleted file mode 100644\n--- a/x.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-int x;\n`).files[0];
    expect(placeHunks("int x;\n", del, { fuzz: 0 }).text).toBeNull();
  });
});
