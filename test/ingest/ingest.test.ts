// Whole-input behaviour: kinds, series keys, --latest, dedupe, broken
// messages, and every input form.
import { describe, expect, test } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collect, fx } from "./helpers.js";

async function collectText(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "lockreview-ingest-"));
  try {
    const p = join(dir, "t.mbox");
    writeFileSync(p, text);
    return await collect([p]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("ingest", () => {
  test("mboxrd series: cover, 3 patches in order, a reply; trailers; line numbers", async () => {
    const { patches, errors } = await collect([fx("series.mboxrd")]);
    expect(errors).toEqual([]);
    expect(patches.map((p) => [p.source.replace(/.*\//, ""), p.kind, p.tags.number])).toEqual([
      ["series.mboxrd#1", "cover", 0],
      ["series.mboxrd#2", "patch", 1],
      ["series.mboxrd#3", "patch", 2],
      ["series.mboxrd#4", "patch", 3],
      ["series.mboxrd#5", "reply", 3],
    ]);
    const [cover, p1, , p3, reply] = patches;
    // One series key for the cover and its patches; replies are not part of it.
    expect(new Set([cover!.seriesKey, p1!.seriesKey, p3!.seriesKey]).size).toBe(1);
    expect(cover!.seriesKey).toBe("alice@example.org|demo_blk: workqueue fixes");
    expect(reply!.seriesKey).not.toBe(cover!.seriesKey);
    expect(cover!.trailers).toEqual([{ key: "base-commit", value: "0123456789abcdef0123456789abcdef01234567" }]);
    expect(p1!.trailers.map((t) => t.key)).toEqual(["Fixes", "Reported-by", "Closes", "Signed-off-by"]);
    expect(p1!.body).toContain("\nFrom here on the reset is synchronous");
    expect(p1!.inReplyTo).toBe("20250113-demo-v2-0@example.org");
    expect(p1!.references).toEqual(["20250113-demo-v2-0@example.org"]);
    expect(p1!.cc).toEqual(["Bob Reviewer <bob@example.org>"]);
    // #n: the line of the diff line within the message, headers included (as checkpatch counts).
    const add = p1!.files[0]!.hunks[0]!.changes.find((c) => c.kind === "add")!;
    expect(add).toMatchObject({ content: "\tif (--d->users == 0)", newLine: 35 });
    // The message starts on line 31 of the file (after its postmark); the line is file line 66.
    expect(add.patchLine).toBe(66 - 30);
    expect(reply!.files).toEqual([]);
  });

  test("a git format-patch file is a one-message mbox: source is the path, commit from the postmark", async () => {
    const { patches } = await collect([fx("0001-demo_blk-flush-reset-work.patch")]);
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      source: fx("0001-demo_blk-flush-reset-work.patch"),
      kind: "patch",
      commit: "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f40",
      title: "demo_blk: flush reset work on last close",
    });
    expect(patches[0]!.trailers.at(-1)).toEqual({ key: "base-commit", value: "0123456789abcdef0123456789abcdef01234567" });
  });

  test("a bare diff: kind diff, subject is the file name", async () => {
    const { patches } = await collect([fx("bare.diff")]);
    expect(patches[0]).toMatchObject({ kind: "diff", subject: fx("bare.diff"), body: "" });
    expect(patches[0]!.files[0]!.hunks[0]!.changes.find((c) => c.kind === "add")).toMatchObject({ newLine: 57, patchLine: 9 });
  });

  test("git show output: commit, author, date, message and diff", async () => {
    const { patches } = await collect([fx("git-show.txt")]);
    expect(patches[0]).toMatchObject({
      kind: "patch",
      commit: "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f40",
      subject: "demo_blk: destroy the workqueue on module exit",
      author: { name: "Alice Example", email: "alice@example.org" },
      date: "2025-01-13T09:00:00.000Z",
    });
    expect(patches[0]!.trailers).toEqual([{ key: "Signed-off-by", value: "Alice Example <alice@example.org>" }]);
    expect(patches[0]!.files[0]!.additions).toBe(1);
  });

  test("a directory series: cover then patches, one series key", async () => {
    const { patches } = await collect([fx("series-dir")]);
    expect(patches.map((p) => [p.kind, p.tags.number, p.commit?.[0]])).toEqual([
      ["cover", 0, "0"],
      ["patch", 1, "1"],
      ["patch", 2, "2"],
    ]);
    expect(new Set(patches.map((p) => p.seriesKey)).size).toBe(1);
  });

  test("v1 and v2 share a series key; --latest keeps v2 only, in series order", async () => {
    const all = await collect([fx("versions.mboxrd")]);
    const key = all.patches.find((p) => p.kind === "cover")!.seriesKey;
    const series = all.patches.filter((p) => p.kind !== "reply");
    expect(series.every((p) => p.seriesKey === key)).toBe(true);
    expect(series.map((p) => `v${p.tags.version} ${p.tags.number}`)).toEqual(["v1 0", "v1 1", "v1 2", "v2 0", "v2 2", "v2 1"]);

    const latest = await collect([fx("versions.mboxrd")], { latest: true });
    const kept = latest.patches.filter((p) => p.kind === "patch");
    expect(kept.map((p) => `v${p.tags.version} ${p.tags.number}`)).toEqual(["v2 1", "v2 2"]);
    expect(latest.skipped.map((s) => [s.reason, s.detail])).toEqual([
      ["superseded", "v1 superseded by v2"],
      ["superseded", "v1 superseded by v2"],
      ["superseded", "v1 superseded by v2"],
    ]);
    expect(latest.stats.superseded).toBe(3);
  });

  test("--tree order (seriesOrder) hands out a series' patches by number", async () => {
    const got = await collect([fx("versions.mboxrd")], { seriesOrder: true });
    expect(got.patches.filter((p) => p.kind === "patch").map((p) => `v${p.tags.version} ${p.tags.number}`)).toEqual(["v1 1", "v1 2", "v2 1", "v2 2"]);
  });

  test("cross-posted copies are reviewed once", async () => {
    const got = await collect([fx("crosspost.mboxrd")]);
    expect(got.patches.map((p) => p.source.replace(/.*\//, ""))).toEqual(["crosspost.mboxrd#1"]);
    expect(got.skipped.map((s) => [s.source.replace(/.*\//, ""), s.reason, s.detail.replace(/\/.*\//, "")])).toEqual([
      ["crosspost.mboxrd#2", "duplicate", "same Message-ID as crosspost.mboxrd#1"],
      ["crosspost.mboxrd#3", "duplicate", "same author, subject and diff as crosspost.mboxrd#1"],
    ]);
    expect(got.stats.duplicates).toBe(2);
  });

  test("broken messages become errors naming index, Message-ID and subject; the rest is reviewed", async () => {
    const got = await collect([fx("broken.mboxrd")]);
    const name = (s: string) => s.replace(/.*\//, "");
    expect(got.patches.map((p) => [name(p.source), p.kind])).toEqual([
      ["broken.mboxrd#1", "patch"],
      ["broken.mboxrd#4", "cover"],
      ["broken.mboxrd#7", "patch"],
    ]);
    expect(got.patches[1]!.warnings).toEqual(['unknown charset "y": decoded as UTF-8']);
    expect(got.errors.map((e) => [name(e.source), e.message])).toEqual([
      ["broken.mboxrd#2", 'message <trunc-1@example.org> "[PATCH] demo_blk: truncated multipart": multipart/mixed: truncated MIME multipart: no closing boundary "--XYZ--"'],
      ["broken.mboxrd#3", expect.stringMatching(/^message <badb64-1@example\.org> "\[PATCH\] demo_blk: bad base64": bad base64 in text\/plain body: invalid character '!' on line 4$/)],
      ["broken.mboxrd#5", expect.stringMatching(/^message <malformed-1@example\.org> "\[PATCH\] demo_blk: malformed hunk": malformed hunk "@@ -54,6 \+54,9 @@" in drivers\/block\/demo_blk\.c: /)],
      ["broken.mboxrd#6", expect.stringMatching(/^message <wrapped-1@example\.org> "\[PATCH\] demo_blk: line wrapped by the mailer": malformed hunk .* is not a diff line \("&d->reset_work\);"/)],
    ]);
    expect(got.stats).toMatchObject({ messages: 7, errors: 4, patches: 2, covers: 1 });
  });

  test("every input form in one run, in order", async () => {
    const got = await collect([fx("single.eml"), fx("bare.diff"), fx("series-dir"), fx("mboxo.mbox")]);
    expect(got.patches.map((p) => p.kind)).toEqual(["patch", "diff", "cover", "patch", "patch", "patch", "reply"]);
    expect(got.errors).toEqual([]);
  });

  test("a [PATCH] mail without a diff is an error; an [RFC] proposal without one is just 'other'", async () => {
    const pm = "From mboxrd@z Thu Jan  1 00:00:00 1970\n";
    const got = await collectText(
      pm + "From: A <a@x.org>\nSubject: [PATCH 2/3] md: the diff went missing\nMessage-ID: <nodiff@x.org>\n\nI forgot to paste it.\n\n" +
        pm + "From: A <a@x.org>\nSubject: [RFC] md: a proposal in prose\nMessage-ID: <rfc@x.org>\n\nWhat if we did X?\n",
    );
    expect(got.errors.map((e) => e.message)).toEqual([
      'message <nodiff@x.org> "[PATCH 2/3] md: the diff went missing": no diff found in a [PATCH] mail that is neither a cover letter nor a reply',
    ]);
    expect(got.patches.map((p) => [p.kind, p.subject])).toEqual([["other", "[RFC] md: a proposal in prose"]]);
  });

  test("a message with no headers at all and no diff is 'other', not a crash", async () => {
    const got = await collectText("From x Mon Jan 13 10:00:00 2025\n\njust a body\n");
    expect(got.patches.map((p) => p.kind)).toEqual(["other"]);
  });
});
