import { describe, expect, test } from "@jest/globals";
import { SeriesTracker, type SeriesInfo } from "../../src/ingest/series.js";
import { parseSubject } from "../../src/ingest/subject.js";

function info(subject: string, extra: Partial<SeriesInfo> = {}): SeriesInfo {
  const s = parseSubject(subject);
  return { email: "a@x.org", title: s.title, tags: s.tags, isReply: s.isReply, references: [], ...extra };
}

describe("series keys", () => {
  test("a threaded series takes its cover letter's key; v2 shares it", () => {
    const t = new SeriesTracker();
    const c1 = t.keyFor(info("[PATCH 0/2] md: fixes", { messageId: "c1" }));
    const p2 = t.keyFor(info("[PATCH 2/2] md: second", { messageId: "p2", inReplyTo: "c1", references: ["c1"] }));
    const c2 = t.keyFor(info("[PATCH v2 0/2] md: fixes", { messageId: "c2", inReplyTo: "c1", references: ["c1"] }));
    const q1 = t.keyFor(info("[PATCH v2 1/2] md: first", { messageId: "q1", inReplyTo: "c2", references: ["c1", "c2"] }));
    expect(new Set([c1, p2, c2, q1])).toEqual(new Set(["a@x.org|md: fixes"]));
  });

  test("without a cover, patch 1 heads the series (deep threading too)", () => {
    const t = new SeriesTracker();
    const p1 = t.keyFor(info("[PATCH 1/3] md: first", { messageId: "p1" }));
    const p2 = t.keyFor(info("[PATCH 2/3] md: second", { messageId: "p2", inReplyTo: "p1", references: ["p1"] }));
    const p3 = t.keyFor(info("[PATCH 3/3] md: third", { messageId: "p3", inReplyTo: "p2", references: ["p1", "p2"] }));
    expect([p1, p2, p3]).toEqual(["a@x.org|md: first", "a@x.org|md: first", "a@x.org|md: first"]);
  });

  test("threadless format-patch files join the latest head of the same author, version and count", () => {
    const t = new SeriesTracker();
    const c = t.keyFor(info("[PATCH 0/2] md: fixes"));
    expect(t.keyFor(info("[PATCH 1/2] md: one"))).toBe(c);
    expect(t.keyFor(info("[PATCH 2/2] md: two"))).toBe(c);
    expect(t.keyFor(info("[PATCH 2/2] md: two", { email: "other@x.org" }))).not.toBe(c);
  });

  test("single patches: author + title, whatever the version or list tag", () => {
    const t = new SeriesTracker();
    expect(t.keyFor(info("[PATCH] md: Fix it."))).toBe(t.keyFor(info("[PATCH v3] md: fix it")));
    expect(t.keyFor(info("[dm-devel] [PATCH v2] md: fix it"))).toBe("a@x.org|md: fix it");
  });
});
