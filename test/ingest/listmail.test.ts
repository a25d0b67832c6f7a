// Mail as lists carry it: b4-sent patches, pull requests, pings and branch
// pointers, revisions whose version is only on the cover letter, a gzip
// that ends early. Every mailbox here is written by the test.
import { describe, expect, test } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { collect, demoDiff, mboxEntry, patchBody, type MailSpec } from "./helpers.js";

async function collectMails(mails: MailSpec[], opts: Parameters<typeof collect>[1] = {}, gz?: (b: Buffer) => Buffer) {
  const dir = mkdtempSync(join(tmpdir(), "lockreview-listmail-"));
  try {
    const text = Buffer.from(mails.map(mboxEntry).join("\n"));
    const p = join(dir, gz ? "t.mbox.gz" : "t.mbox");
    writeFileSync(p, gz ? gz(text) : text);
    return await collect([p], opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const name = (s: string) => s.replace(/.*\//, "");

describe("patches sent with b4", () => {
  // What b4 send writes for a series of one: the cover letter's basement
  // moved under the diff, then b4's own signature.
  const b4Single = (diff: string) =>
    "Flush the reset work when the last user goes away.\n\nSigned-off-by: Alice Example <alice@example.org>\n---\n" +
    "Changes in v2:\n- flush only on the last close\n- Link to v1: https://lore.kernel.org/r/20250110-demo-v1-1-0a1b2c3d@example.org\n---\n" +
    " drivers/block/demo_blk.c | 3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)\n\n" +
    diff +
    "\n---\nbase-commit: 0123456789abcdef0123456789abcdef01234567\nchange-id: 20250110-demo-flush-5d6e7f8a9b0c\n\nBest regards,\n-- \nAlice Example <alice@example.org>\n";

  test("the diff, a blank line, '---', base-commit:, change-id:, 'Best regards,' and a signature: one patch, no error", async () => {
    const got = await collectMails([{ subject: "[PATCH v2] demo_blk: flush reset work on last close", id: "b4-1@example.org", body: b4Single(demoDiff()) }]);
    expect(got.errors).toEqual([]);
    const [p] = got.patches;
    expect(p!.kind).toBe("patch");
    expect(p!.files[0]!.hunks[0]!.changes.map((c) => c.kind)).toEqual(["normal", "normal", "normal", "del", "add", "add", "normal", "normal", "normal"]);
    expect(p!.trailers.filter((t) => t.key !== "Signed-off-by")).toEqual([
      { key: "base-commit", value: "0123456789abcdef0123456789abcdef01234567" },
      { key: "change-id", value: "20250110-demo-flush-5d6e7f8a9b0c" },
    ]);
    expect(p!.body).not.toContain("Changes in v2");
  });

  test("a hunk whose last context line lost its space, then b4's tail", async () => {
    const diff = demoDiff().replace(/\n \n$/, "\n\n");
    const got = await collectMails([{ subject: "[PATCH v2] demo_blk: flush reset work on last close", body: b4Single(diff) }]);
    expect(got.errors).toEqual([]);
    expect(got.patches[0]!.files[0]!.additions).toBe(2);
  });
});

describe("mail about patches that is not a patch: counted, not an error", () => {
  test("[GIT PULL] with a merge diff, a ping quoting a patch, [PATCHES][RFC] pointing at a branch", async () => {
    const mergeDiff = "diff --cc drivers/block/demo_blk.c\nindex 1,2..3\n--- a/drivers/block/demo_blk.c\n+++ b/drivers/block/demo_blk.c\n@@@ -1,1 -1,1 +1,1 @@@\n";
    const quoted = "Ping?\n\nOn Mon, 13 Jan 2025, Alice Example wrote:\n" + demoDiff().split("\n").map((l) => `> ${l}`).join("\n") + "\n";
    const got = await collectMails([
      {
        subject: "[GIT PULL] demo_blk fixes for 6.14-rc1",
        id: "pull@example.org",
        body: "The following changes since commit 0123456789ab:\n\nare available in the Git repository at:\n\n  git://git.example.org/demo.git tags/demo-6.14\n\n" + mergeDiff,
      },
      { subject: "[PATCH] demo_blk: flush reset work on last close", id: "ping@example.org", body: quoted },
      { subject: "PING: [PATCH v2] demo_blk: flush reset work", id: "ping2@example.org", body: "Any comments?\n" },
      {
        subject: "[PATCHES][RFC] demo_blk: rework the teardown",
        id: "ptr@example.org",
        body: "The branch is in git://git.example.org/pub/scm/demo.git #work.teardown,\nindividual patches in followups.\n",
      },
      { subject: "[PATCH] demo_blk: this one lost its diff", id: "lost@example.org", body: "Signed-off-by: Alice Example <alice@example.org>\n" },
      { subject: "[PATCH] demo_blk: a real one", id: "real@example.org", body: patchBody("A real patch.") },
    ]);
    expect(got.patches.map((p) => [name(p.source), p.kind])).toEqual([
      ["t.mbox#1", "pull"],
      ["t.mbox#2", "ping"],
      ["t.mbox#3", "ping"],
      ["t.mbox#4", "pointer"],
      ["t.mbox#6", "patch"],
    ]);
    expect(got.errors.map((e) => [name(e.source), e.message.replace(/^.*: /, "")])).toEqual([
      ["t.mbox#5", "no diff found in a [PATCH] mail that is neither a cover letter nor a reply"],
    ]);
    expect([got.stats.pulls, got.stats.pings, got.stats.pointers, got.stats.patches]).toEqual([1, 2, 1, 1]);
  });
});

describe("a gzip cut short (../shared/repro/truncated-gzip.mbox.gz)", () => {
  test("every complete message before the cut is handed out, then the read error", async () => {
    // Long enough that the input sniffing reads a good gzip head (as in a real mailbox).
    const prose = (n: number) => Array.from({ length: 3000 }, (_, i) => `Line ${i * 7919 % 10007} of message ${n}.`).join("\n");
    const mails = [1, 2, 3].map((n) => ({ subject: `[PATCH] demo_blk: sentinel ${n}`, id: `gz-${n}@example.org`, body: patchBody(`Message ${n}.\n\n${prose(n)}`, demoDiff(n)) }));
    // Cut inside the third message: what gzip wrote for the first two is complete.
    const cut = (b: Buffer) => b.subarray(0, Math.floor((b.length * 5) / 6));
    const got = await collectMails(mails, {}, (b) => cut(gzipSync(b)));
    expect(got.patches.map((p) => [name(p.source), p.title])).toEqual([
      ["t.mbox.gz#1", "demo_blk: sentinel 1"],
      ["t.mbox.gz#2", "demo_blk: sentinel 2"],
    ]);
    expect(got.errors).toHaveLength(1);
    expect(got.errors[0]!.message).toMatch(/^read error after 2 messages: /);
  });
});

describe("--latest: revisions grouped as b4 groups them, newest kept", () => {
  const rev = (v: string, total: number, title: string, opts: { cover?: boolean; from?: string; inReplyTo?: string; prefix?: string; part?: string } = {}): MailSpec[] => {
    const out: MailSpec[] = [];
    const cover = `${opts.prefix ?? v}-0@example.org`;
    if (opts.cover !== false) {
      out.push({ subject: `[PATCH ${v} 0/${total}] ${title}`, id: cover, ...(opts.from ? { from: opts.from } : {}), ...(opts.inReplyTo ? { inReplyTo: opts.inReplyTo } : {}), body: `${title}, ${v}.\n` });
    }
    for (let i = 1; i <= total; i++) {
      out.push({
        // The version is only on the cover letter: "[PATCH 1/3]".
        subject: `[PATCH ${opts.cover === false ? `${v} ` : ""}${i}/${total}] ${opts.part ?? "loop: part"} ${i}`,
        id: `${opts.prefix ?? v}-${i}@example.org`,
        ...(opts.from ? { from: opts.from } : {}),
        ...(opts.cover !== false ? { inReplyTo: cover } : i > 1 ? { inReplyTo: `${opts.prefix ?? v}-1@example.org` } : opts.inReplyTo ? { inReplyTo: opts.inReplyTo } : {}),
        body: patchBody(`Part ${i} of ${v}.`, demoDiff(i)),
      });
    }
    return out;
  };

  test("patches without a version take the cover letter's: V10, V11, V12 give V12's three", async () => {
    const mails = [...rev("V10", 3, "Charge loop device i/o to issuing cgroup"), ...rev("V11", 3, "Charge loop device i/o to issuing cgroup"), ...rev("V12", 3, "Charge loop device i/o to issuing cgroup")];
    const got = await collectMails(mails, { latest: true });
    const kept = got.patches.filter((p) => p.kind === "patch");
    expect(kept.map((p) => [p.tags.version, p.tags.number, p.body.split("\n")[0]])).toEqual([
      [12, 1, "Part 1 of V12."],
      [12, 2, "Part 2 of V12."],
      [12, 3, "Part 3 of V12."],
    ]);
    expect(got.stats.superseded).toBe(8); // two covers and six patches
    expect(got.skipped.find((s) => s.subject === "[PATCH 2/3] loop: part 2")!.detail).toBe("v10 superseded by v12");
  });

  test("a v3 without a cover letter next to a v7 that replies to it: v7 only", async () => {
    const v3 = rev("v3", 2, "", { cover: false, prefix: "u3" });
    const v7 = rev("v7", 2, "ublk: zero copy support", { prefix: "u7", inReplyTo: "u3-1@example.org" });
    const got = await collectMails([...v3, ...v7], { latest: true });
    expect(got.patches.filter((p) => p.kind === "patch").map((p) => `v${p.tags.version} ${p.tags.number}`)).toEqual(["v7 1", "v7 2"]);
    expect(got.stats.superseded).toBe(2);
  });

  test("another author's series of the same title, or a same-version follow-up, is not an older revision", async () => {
    const mine = rev("v2", 2, "demo_blk: teardown fixes", { prefix: "a2" });
    const theirs = rev("", 2, "demo_blk: teardown fixes", { prefix: "b1", from: "Bob Example <bob@example.org>" });
    // v2 again, in reply to the series: a follow-up, not a revision.
    const follow = rev("v2", 1, "", { cover: false, prefix: "a3", inReplyTo: "a2-0@example.org", part: "demo_blk: one more fix" });
    const got = await collectMails([...mine, ...theirs, ...follow], { latest: true });
    expect(got.stats.superseded).toBe(0);
    expect(got.patches.filter((p) => p.kind === "patch")).toHaveLength(5);
  });

  test("without --latest every revision is handed out, each with its inferred version", async () => {
    const got = await collectMails([...rev("V11", 2, "loop: cgroup"), ...rev("V12", 2, "loop: cgroup")]);
    expect(got.patches.filter((p) => p.kind === "patch").map((p) => p.tags.version)).toEqual([11, 11, 12, 12]);
  });
});
