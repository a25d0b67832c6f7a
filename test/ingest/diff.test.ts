import { describe, expect, test } from "@jest/globals";
import parseDiff from "parse-diff";
import { DiffError, parseDiffText } from "../../src/ingest/diff.js";
import { readFixture } from "./helpers.js";

const HUNK = `diff --git a/drivers/block/x.c b/drivers/block/x.c
index 1111111..2222222 100644
--- a/drivers/block/x.c
+++ b/drivers/block/x.c
@@ -10,6 +10,7 @@ static void x_release(struct gendisk *disk)
 	struct x_dev *d = disk->private_data;
 
 	mutex_lock(&x_lock);
+	flush_work(&d->work);
 	d->users--;
 	mutex_unlock(&x_lock);
 }
`;

describe("parse-diff behaviour we guard against", () => {
  test("P15: '\\ No newline' becomes an extra change with duplicated line numbers", () => {
    const f = parseDiff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n")[0]!;
    expect(f.chunks[0]!.changes.map((c) => c.content)).toEqual(["-a", "\\ No newline at end of file", "+b", "\\ No newline at end of file"]);
  });

  test("a hunk whose header promises more lines swallows the next file's header", () => {
    const text = HUNK.replace("@@ -10,6 +10,7 @@", "@@ -10,8 +10,9 @@") + HUNK.replace(/x\.c/g, "y.c");
    const files = parseDiff(text);
    // parse-diff does not notice: y.c's "diff --git" line became a context line of x.c.
    expect(files[0]!.chunks[0]!.changes.some((c) => c.content.startsWith("diff --git"))).toBe(true);
    // We do.
    expect(() => parseDiffText(text)).toThrow(/malformed hunk "@@ -10,8 \+10,9 @@" in drivers\/block\/x\.c: it ends early/);
  });

  test("garbage inside a hunk is taken as context by parse-diff", () => {
    const text = HUNK.replace("+\tflush_work(&d->work);", "+\tflush_work(\n&d->work);").replace("+10,7", "+10,8");
    expect(parseDiff(text)[0]!.chunks[0]!.changes.map((c) => c.type)).toContain("normal");
    expect(() => parseDiffText(text)).toThrow(/line 10 is not a diff line \("&d->work\);"/);
  });
});

describe("parseDiffText", () => {
  test("exact line numbers, a/ b/ stripped, section after the second @@", () => {
    const { files } = parseDiffText(HUNK, { firstLineNo: 1 });
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f).toMatchObject({ oldPath: "drivers/block/x.c", newPath: "drivers/block/x.c", status: "modified", binary: false, additions: 1, deletions: 0 });
    const h = f.hunks[0]!;
    expect(h).toMatchObject({ oldStart: 10, oldLines: 6, newStart: 10, newLines: 7, section: "static void x_release(struct gendisk *disk)" });
    expect(h.changes[3]).toEqual({ kind: "add", content: "\tflush_work(&d->work);", newLine: 13, patchLine: 9 });
    expect(h.changes[4]).toEqual({ kind: "normal", content: "\td->users--;", oldLine: 13, newLine: 14, patchLine: 10 });
    expect(h.changes[1]).toEqual({ kind: "normal", content: "", oldLine: 11, newLine: 11, patchLine: 7 });
  });

  test("kitchen sink: rename, copy, new, deleted, mode change, binary, no newline", () => {
    const { files } = parseDiffText(readFixture("kitchen-sink.patch").toString());
    const by = (p: string) => files.find((f) => f.newPath === p || f.oldPath === p)!;
    expect(files).toHaveLength(9);
    expect(by("drivers/block/demo_new.c")).toMatchObject({ oldPath: "drivers/block/demo_old.c", status: "renamed", similarity: 90, additions: 1, deletions: 1 });
    expect(by("drivers/block/demo_renamed.h")).toMatchObject({ oldPath: "drivers/block/demo_pure.h", status: "renamed", similarity: 100, hunks: [] });
    expect(by("drivers/block/demo_copy.c")).toMatchObject({ oldPath: "drivers/block/demo_blk.c", status: "copied" });
    expect(by("drivers/block/demo_added.c")).toMatchObject({ oldPath: null, status: "added", newMode: "100644", additions: 3 });
    expect(by("drivers/block/demo_added.c").hunks[0]!.changes.map((c) => c.newLine)).toEqual([1, 2, 3]);
    expect(by("drivers/block/demo_gone.c")).toMatchObject({ newPath: null, status: "deleted", deletions: 2 });
    expect(by("tools/demo/run.sh")).toMatchObject({ status: "modified", oldMode: "100644", newMode: "100755", hunks: [] });
    expect(by("Documentation/demo/logo.png")).toMatchObject({ binary: true, status: "modified" });
    expect(by("firmware/demo.bin")).toMatchObject({ binary: true, status: "added", oldPath: null });
    const tail = by("drivers/block/demo_tail.c").hunks[0]!;
    expect(tail).toMatchObject({ noNewlineOld: true, noNewlineNew: true });
    // P15 filtered: no "\ No newline" pseudo-change, no duplicated line numbers.
    expect(tail.changes.map((c) => [c.kind, c.content, c.oldLine, c.newLine])).toEqual([
      ["normal", "// SPDX-License-Identifier: GPL-2.0", 1, 1],
      ["normal", "#include <linux/module.h>", 2, 2],
      ["del", 'MODULE_LICENSE("GPL");', 3, undefined],
      ["add", 'MODULE_LICENSE("GPL v2");', undefined, 3],
    ]);
  });

  test("stops at the format-patch signature, also when the mailer ate its space", () => {
    for (const sig of ["-- \n2.43.0\n", "--\n2.43.0\n"]) {
      const { files, end } = parseDiffText(HUNK + sig);
      expect(files[0]!.hunks[0]!.changes).toHaveLength(7);
      expect(end).toBe(HUNK.split("\n").length - 1);
    }
  });

  test("an empty context line whose space was stripped still counts (also as the last line)", () => {
    const text = HUNK.replace("+10,7 @@", "+10,8 @@").replace(" }\n", " }\n+\n") + "\n-- \n2.43.0\n";
    const stripped = HUNK.replace(/^ $/m, "");
    expect(parseDiffText(stripped).files[0]!.hunks[0]!.changes[1]).toMatchObject({ kind: "normal", content: "" });
    expect(parseDiffText(text).files[0]!.additions).toBe(2);
    const lastBlank = "--- a/x\n+++ b/x\n@@ -1,2 +1,3 @@\n a\n+b\n\n\n-- \n2.43.0\n";
    expect(parseDiffText(lastBlank).files[0]!.hunks[0]!.changes.map((c) => c.kind)).toEqual(["normal", "add", "normal"]);
  });

  test("more lines than the header says is an error naming the hunk", () => {
    const text = HUNK.replace("@@ -10,6 +10,7 @@", "@@ -10,5 +10,6 @@");
    expect(() => parseDiffText(text)).toThrow(DiffError);
    expect(() => parseDiffText(text)).toThrow(/malformed hunk "@@ -10,5 \+10,6 @@" in drivers\/block\/x\.c: more lines than its header says \(line 12: " }"\)/);
  });

  test("a hunk cut short by the end of input is an error", () => {
    expect(() => parseDiffText(HUNK.split("\n").slice(0, 9).join("\n"))).toThrow(/the input ends inside it/);
  });

  test("plain diff -u output (no git headers) strips one path component", () => {
    const text = "diff -u linux.orig/drivers/x.c linux/drivers/x.c\n--- linux.orig/drivers/x.c\t2025-01-13 10:00:00.000000000 +0100\n+++ linux/drivers/x.c\t2025-01-13 10:01:00.000000000 +0100\n@@ -1 +1 @@\n-a\n+b\n";
    expect(parseDiffText(text).files[0]).toMatchObject({ oldPath: "drivers/x.c", newPath: "drivers/x.c", status: "modified" });
  });

  test("quoted paths with special characters are unquoted", () => {
    const text = 'diff --git "a/dir/t\\303\\251st file.c" "b/dir/t\\303\\251st file.c"\nindex 1..2 100644\n--- "a/dir/t\\303\\251st file.c"\n+++ "b/dir/t\\303\\251st file.c"\n@@ -1 +1 @@\n-a\n+b\n';
    expect(parseDiffText(text).files[0]!.newPath).toBe("dir/tést file.c");
  });

  test("a combined (merge) diff is refused with a reason", () => {
    expect(() => parseDiffText("diff --cc x.c\nindex 1,2..3\n--- a/x.c\n+++ b/x.c\n@@@ -1,1 -1,1 +1,1 @@@\n")).toThrow(/combined diff/);
  });

  test("no diff at all gives no files", () => {
    expect(parseDiffText("just a message\n").files).toEqual([]);
  });
});

describe("hostile hunk headers and markers (../shared/repro: zod-*, parsediff-nonewline-first)", () => {
  test("a line number past git's int range is an error naming the hunk, not a number JSON cannot hold", () => {
    for (const n of ["9007199254740993", "2147483648", "1" + "0".repeat(400)]) {
      const text = HUNK.replace("@@ -10,6 +10,7 @@", `@@ -${n},6 +${n},7 @@`);
      expect(() => parseDiffText(text)).toThrow(DiffError);
      expect(() => parseDiffText(text)).toThrow(/malformed hunk header "@@ -\d+.*" in drivers\/block\/x\.c at line 5: old start line \d+…? is out of range \(at most 2147483647\)/);
    }
    // The largest number git accepts is still a line number.
    const ok = HUNK.replace("@@ -10,6 +10,7 @@", "@@ -2147483000,6 +2147483000,7 @@");
    expect(parseDiffText(ok).files[0]!.hunks[0]!.changes.at(-1)).toMatchObject({ oldLine: 2147483005, newLine: 2147483006 });
  });

  test("a line count past the range is an error too", () => {
    expect(() => parseDiffText(HUNK.replace("+10,7 @@", "+10,99999999999 @@"))).toThrow(/new line count 99999999999 is out of range/);
  });

  test("'\\ No newline' straight after the @@ line follows no line: ignored, as git apply does", () => {
    const text = "diff --git a/drivers/block/x.c b/drivers/block/x.c\n--- a/drivers/block/x.c\n+++ b/drivers/block/x.c\n@@ -1,1 +1,1 @@\n\\ No newline at end of file\n-a\n+b\n";
    const h = parseDiffText(text).files[0]!.hunks[0]!;
    expect(h.changes.map((c) => [c.kind, c.content, c.oldLine, c.newLine])).toEqual([
      ["del", "a", 1, undefined],
      ["add", "b", undefined, 1],
    ]);
    expect(h.noNewlineOld).toBeUndefined();
    expect(h.noNewlineNew).toBeUndefined();
  });

  test("the marker state starts afresh in each hunk", () => {
    const two = "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n@@ -10 +10 @@\n\\ No newline at end of file\n-y\n+z\n\\ No newline at end of file\n";
    const [h1, h2] = parseDiffText(two).files[0]!.hunks;
    expect([h1!.noNewlineOld, h1!.noNewlineNew]).toEqual([undefined, undefined]);
    expect([h2!.noNewlineOld, h2!.noNewlineNew]).toEqual([undefined, true]);
  });
});

describe("trailing matter after a complete hunk (b4's layout)", () => {
  // b4 send ends a single patch with the diff, a blank line, "---", the
  // base-commit/change-id block, "Best regards," and a "-- " signature.
  const B4_TAIL = "\n---\nbase-commit: 0123456789abcdef0123456789abcdef01234567\nchange-id: 20250113-x-flush-1a2b3c4d5e6f\n\nBest regards,\n-- \nAlice Example <alice@example.org>\n";

  test("the '---' after the last hunk ends the diff; nothing of it is counted into the hunk", () => {
    const { files, end } = parseDiffText(HUNK + B4_TAIL);
    expect(files[0]!.hunks[0]!.changes).toHaveLength(7);
    expect(files[0]!.additions).toBe(1);
    expect((HUNK + B4_TAIL).split("\n")[end]).toBe("---");
  });

  test("also straight after the hunk, without the blank line", () => {
    expect(parseDiffText(HUNK + B4_TAIL.slice(1)).files[0]!.hunks[0]!.changes).toHaveLength(7);
  });

  test("a hunk whose count is one short still fails on the next diff line", () => {
    const short = HUNK.replace("@@ -10,6 +10,7 @@", "@@ -10,6 +10,6 @@");
    expect(() => parseDiffText(short + B4_TAIL)).toThrow(/more new lines than its header says|more lines than its header says/);
  });
});

describe("a very large file diff", () => {
  test("past 200,000 lines it is numbered by the scan alone, exactly as parse-diff numbers a small one", () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => ["\tctx();", "-\told();", "+\tnew1();", "+\tnew2();"][i % 4]!.replace(/^\t/, " \t")).join("\n");
    const header = (n: number) => {
      const rows = body(n).split("\n");
      return `--- a/x.c\n+++ b/x.c\n@@ -7,${rows.filter((r) => r[0] !== "+").length} +9,${rows.filter((r) => r[0] !== "-").length} @@\n`;
    };
    const small = parseDiffText(header(12) + body(12) + "\n", { firstLineNo: 1 }).files[0]!.hunks[0]!.changes;
    const big = parseDiffText(header(240_000) + body(240_000) + "\n", { firstLineNo: 1 }).files[0]!.hunks[0]!.changes;
    expect(big).toHaveLength(240_000);
    expect(big.slice(0, 12)).toEqual(small);
    // The last lines: 60,000 rounds of (1 context, 1 del, 2 adds).
    expect(big.at(-1)).toEqual({ kind: "add", content: "\tnew2();", newLine: 9 + 60_000 * 3 - 1, patchLine: 3 + 240_000 });
    expect(big.at(-3)).toEqual({ kind: "del", content: "\told();", oldLine: 7 + 60_000 * 2 - 1, patchLine: 1 + 240_000 });
  });
});
