// Renderers with hand-built findings (the reviewer does not produce any yet).
import { describe, expect, test } from "@jest/globals";
import { parseDiffText } from "../../src/ingest/diff.js";
import type { Patch } from "../../src/model/patch.js";
import { ReviewSchema } from "../../src/model/review.js";
import { buildReview, jsonFormatter } from "../../src/render/json.js";
import { findDiffLine, renderFinding, textFormatter } from "../../src/render/text.js";
import { FORMATTERS } from "../../src/render/index.js";
import { finding } from "./helpers.js";

const DIFF = `diff --git a/drivers/block/nbd.c b/drivers/block/nbd.c
--- a/drivers/block/nbd.c
+++ b/drivers/block/nbd.c
@@ -258,7 +258,7 @@ static void nbd_put(struct nbd_device *nbd)
 	if (refcount_dec_and_mutex_lock(&nbd->refs, &nbd_index_mutex)) {
 		idr_remove(&nbd_index_idr, nbd->index);
-		mutex_unlock(&nbd_index_mutex);
 		nbd_dev_remove(nbd);
+		mutex_unlock(&nbd_index_mutex);
 	}
 }
`;

function patchOf(diff: string): Patch {
  const { files } = parseDiffText(diff, { firstLineNo: 40 });
  return {
    source: "t.mbox#2", index: 2, kind: "patch", references: [], subject: "[PATCH] nbd: x", title: "nbd: x",
    tags: { raw: ["PATCH"], isPatch: true, rfc: false, resend: false, version: 1, prefixes: [] },
    to: [], cc: [], body: "", trailers: [], files, warnings: [], seriesKey: "k",
  };
}

describe("text renderer", () => {
  const patch = patchOf(DIFF);

  test("a full finding: label, #line FILE line, quoted diff line, trace, scenario, fix, references", () => {
    const f = finding({
      line: 261,
      file: "drivers/block/nbd.c",
      function: "nbd_put",
      message: "nbd_index_mutex is held across del_gendisk()",
      trace: [
        { file: "drivers/block/nbd.c", line: 258, function: "nbd_put", note: "takes nbd_index_mutex" },
        { file: "drivers/block/nbd.c", line: 260, function: "nbd_dev_remove", note: "calls del_gendisk(), which takes disk->open_mutex" },
      ],
      scenario: "CPU0                    CPU1\nlock(nbd_index_mutex)\n                        lock(open_mutex)\n *** DEADLOCK ***\n",
      fix: "drop nbd_index_mutex before nbd_dev_remove()\n(as nbd did in the fix)",
      references: [{ title: "syzbot 0fe7752e52337864d29b", url: "https://syzkaller.appspot.com/bug?extid=0fe7752e52337864d29b" }],
      limitations: ["hunks only: the callers of nbd_put() were not visible"],
      confidence: "high",
    });
    expect(renderFinding(f, patch)).toBe(
      [
        "ERROR: lock-across-del-gendisk: nbd_index_mutex is held across del_gendisk()",
        "#48: FILE: drivers/block/nbd.c:261: nbd_put()",
        "+\t\tmutex_unlock(&nbd_index_mutex);",
        "     trace: drivers/block/nbd.c:258 nbd_put(): takes nbd_index_mutex",
        "     trace: drivers/block/nbd.c:260 nbd_dev_remove(): calls del_gendisk(), which takes disk->open_mutex",
        "     scenario:",
        "       CPU0                    CPU1",
        "       lock(nbd_index_mutex)",
        "                               lock(open_mutex)",
        "        *** DEADLOCK ***",
        "     fix: drop nbd_index_mutex before nbd_dev_remove()",
        "          (as nbd did in the fix)",
        "     limitation: hunks only: the callers of nbd_put() were not visible",
        "     context: hunks, confidence: high",
        "     see: syzbot 0fe7752e52337864d29b <https://syzkaller.appspot.com/bug?extid=0fe7752e52337864d29b>",
      ].join("\n"),
    );
  });

  test("a fixed finding points at the pre-image line and says [fixed]", () => {
    const f = finding({ severity: "warning", status: "fixed", file: "drivers/block/nbd.c", line: 260, function: "nbd_put", message: "m" });
    expect(findDiffLine(patch, f)).toMatchObject({ kind: "del", content: "\t\tmutex_unlock(&nbd_index_mutex);", oldLine: 260 });
    expect(renderFinding(f, patch).split("\n").slice(0, 3)).toEqual([
      "WARNING: lock-across-del-gendisk: m [fixed]",
      "#46: FILE: drivers/block/nbd.c:260: nbd_put()",
      "-\t\tmutex_unlock(&nbd_index_mutex);",
    ]);
  });

  test("a line outside the hunks: no #n and no quoted line", () => {
    expect(renderFinding(finding({ severity: "note", file: "drivers/block/nbd.c", line: 9000, function: "" }), patch)).toBe(
      "NOTE: lock-across-del-gendisk: demo_lock is held across del_gendisk()\nFILE: drivers/block/nbd.c:9000:",
    );
  });

  test("header per patch, warnings, errors, total", () => {
    let out = "";
    const fmt = textFormatter({ write: (s) => (out += s), quiet: false, toolVersion: "0" });
    fmt.patch({ source: "t.mbox#2", messageId: "m", subject: "[PATCH] nbd: x", findings: [finding({ line: 261, file: "drivers/block/nbd.c" })], warnings: ["format=flowed body: read raw; kernel docs forbid flowed patches"] }, patch);
    fmt.error({ source: "t.mbox#3", message: "message <x> \"y\": bad base64" });
    fmt.end({ reviewed: 1, introduced: { error: 1, warning: 0, note: 0 }, fixed: 0, errors: 1, messages: 5, covers: 1, replies: 2, other: 0, duplicates: 0, superseded: 0 });
    expect(out).toBe(
      "t.mbox#2: [PATCH] nbd: x\n" +
        "t.mbox#2: warning: format=flowed body: read raw; kernel docs forbid flowed patches\n" +
        "ERROR: lock-across-del-gendisk: demo_lock is held across del_gendisk()\n#48: FILE: drivers/block/nbd.c:261: demo_remove()\n+\t\tmutex_unlock(&nbd_index_mutex);\n\n" +
        "t.mbox#3: error: message <x> \"y\": bad base64\n" +
        "\ntotal: 1 errors, 0 warnings, 0 notes, 1 patches reviewed, 1 input error\n" +
        "not reviewed: 1 cover letter, 2 replies (of 5 messages read)\n",
    );
  });
});

describe("json renderer", () => {
  test("prints the contract and validates it", () => {
    let out = "";
    const fmt = jsonFormatter({ write: (s) => (out += s), quiet: false, toolVersion: "9.9.9" });
    fmt.patch({ source: "a", messageId: "b", subject: "c", findings: [finding({ fingerprint: "fp1" })] }, patchOf(DIFF));
    fmt.error({ source: "a#2", message: "broken" });
    fmt.end({ reviewed: 1, introduced: { error: 1, warning: 0, note: 0 }, fixed: 0, errors: 1, messages: 2, covers: 0, replies: 0, other: 0, duplicates: 0, superseded: 0 });
    const doc = JSON.parse(out);
    expect(ReviewSchema.parse(doc)).toEqual(doc);
    expect(doc).toMatchObject({ tool: { name: "lockreview", version: "9.9.9" }, errors: [{ source: "a#2", message: "broken" }] });
    expect(doc.patches[0].findings[0].fingerprint).toBe("fp1");
  });

  test("a report that breaks the contract is refused, not printed", () => {
    expect(() => buildReview("1", [{ source: "a", messageId: "b", subject: "c", findings: [{ ...finding(), severity: "fatal" as never }] }], [])).toThrow();
  });

  test("formatter table: text and json first, the names --format accepts", () => {
    expect(Object.keys(FORMATTERS).slice(0, 2)).toEqual(["text", "json"]);
    expect(Object.keys(FORMATTERS)).toEqual(expect.arrayContaining(["sarif", "email", "terse"]));
  });
});
