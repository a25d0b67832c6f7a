// Hunks-only reviews remembered by diff: a patch posted again (v2 with this
// patch unchanged, a RESEND, a cross-post under another subject) gets the
// earlier review, addressed to itself, without a second review.
import { describe, expect, test } from "@jest/globals";
import { parseDiffText } from "../../src/ingest/diff.js";
import type { Patch } from "../../src/model/patch.js";
import type { ReviewResult } from "../../src/review/pipeline.js";
import { cachingReviewer, diffKey, ReviewCache } from "../../src/review/reviewCache.js";
import { finding } from "../cli/helpers.js";

const diff = (line: string) => `diff --git a/drivers/block/zdev.c b/drivers/block/zdev.c
--- a/drivers/block/zdev.c
+++ b/drivers/block/zdev.c
@@ -10,3 +10,4 @@ static void zdev_release(struct gendisk *disk)
 	mutex_lock(&zd->lock);
+	${line}
 	mutex_unlock(&zd->lock);
 }
`;

function patch(n: number, line = "flush_workqueue(zd->wq);", extra: Partial<Patch> = {}): Patch {
  const { files } = parseDiffText(diff(line), { firstLineNo: 20 + n });
  return {
    source: `t.mbox#${n}`, index: n, kind: "patch", messageId: `<${n}@example.org>`, references: [], subject: `[PATCH v${n}] zdev: flush`, title: "zdev: flush",
    tags: { raw: ["PATCH"], isPatch: true, rfc: false, resend: false, version: n, prefixes: [] },
    to: [], cc: [], body: "", trailers: [], files, warnings: [], seriesKey: "k", ...extra,
  };
}

function counting() {
  const calls: string[] = [];
  const inner = {
    async review(p: Patch): Promise<ReviewResult> {
      calls.push(p.source);
      return {
        report: { source: p.source, messageId: p.messageId ?? "", subject: p.subject, findings: [finding({ line: 11, fingerprint: p.files[0]!.hunks[0]!.changes[1]!.content })] },
        errors: [{ source: p.source, message: "hunk 2 does not apply" }],
        details: [],
      };
    },
  };
  return { inner, calls };
}

describe("review cache", () => {
  test("the same diff under another subject and Message-ID is reviewed once, and each gets its own address", async () => {
    const { inner, calls } = counting();
    const r = cachingReviewer(inner);
    const first = await r.review(patch(1));
    const again = await r.review(patch(2, undefined, { warnings: ["format=flowed body: read raw"], commit: "abc" }));
    expect(calls).toEqual(["t.mbox#1"]);
    expect(again.report).toEqual({ ...first.report, source: "t.mbox#2", messageId: "<2@example.org>", subject: "[PATCH v2] zdev: flush", commit: "abc", warnings: ["format=flowed body: read raw"] });
    expect(again.errors).toEqual([{ source: "t.mbox#2", message: "hunk 2 does not apply" }]);
    expect(first.report.source).toBe("t.mbox#1"); // the first result is not changed by the second
    expect(r.cache.hits).toBe(1);
  });

  test("a different line, file or kind is a different review; the mail's line numbers are not", async () => {
    const { inner, calls } = counting();
    const r = cachingReviewer(inner);
    await r.review(patch(1));
    await r.review(patch(2, "flush_work(&zd->work);"));
    await r.review(patch(3, undefined, { kind: "diff" }));
    expect(calls).toEqual(["t.mbox#1", "t.mbox#2", "t.mbox#3"]);
    expect(diffKey(patch(4))).toBe(diffKey(patch(5))); // firstLineNo (patchLine) differs
    const renamed = patch(6);
    renamed.files[0]!.newPath = "drivers/block/ydev.c";
    expect(diffKey(renamed)).not.toBe(diffKey(patch(6)));
  });

  test("a review against a given pre-image (a git commit) is never taken from the cache", async () => {
    const { inner, calls } = counting();
    const r = cachingReviewer(inner);
    const provider = {} as never;
    await r.review(patch(1), { provider });
    await r.review(patch(2), { provider });
    expect(calls).toEqual(["t.mbox#1", "t.mbox#2"]);
  });

  test("bounded: the oldest review is forgotten first; a failed review is not remembered", async () => {
    const cache = new ReviewCache(2);
    const { inner, calls } = counting();
    const review = (p: Patch) => inner.review(p);
    await cache.review(patch(1, "a();"), review);
    await cache.review(patch(2, "b();"), review);
    await cache.review(patch(3, "c();"), review);
    await cache.review(patch(4, "a();"), review); // forgotten: reviewed again
    await cache.review(patch(5, "c();"), review); // remembered
    expect(calls).toEqual(["t.mbox#1", "t.mbox#2", "t.mbox#3", "t.mbox#4"]);
    let tries = 0;
    const failing = async () => {
      tries++;
      throw new Error("boom");
    };
    await expect(cache.review(patch(6, "d();"), failing)).rejects.toThrow("boom");
    await expect(cache.review(patch(7, "d();"), failing)).rejects.toThrow("boom");
    expect(tries).toBe(2);
  });
});
