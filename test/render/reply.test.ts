// The parts of a reply, one at a time: trimming and elision of long hunks,
// several comments in one hunk, findings outside the patch, threading and
// recipients, wrapping, mboxrd quoting, file names, transfer encoding.
// Patches here are small hand-written diffs.
import { describe, expect, test } from "@jest/globals";
import { Readable } from "node:stream";
import { splitMbox } from "../../src/ingest/mbox.js";
import type { Patch } from "../../src/model/patch.js";
import type { Finding, PatchReport } from "../../src/model/review.js";
import { decodeQP, mboxrdEntry, renderReply, replyFileName, toEightBit } from "../../src/render/mail.js";
import {
  asciify,
  composeReply,
  MAX_LINE,

  replyMessageId,
  replyReferences,
  replySubject,
  type ReplyOptions,
  wrap,
} from "../../src/render/reply.js";
import { citations, citesItself } from "../../src/render/citations.js";
import { isListAddress, MAX_CC, recipients } from "../../src/render/recipients.js";
import { RULES } from "../../rules/index.js";
import { finding } from "../cli/helpers.js";
import { MapProvider } from "../../src/context/providers.js";
import { createReviewer } from "../../src/review/pipeline.js";
import { makePatch, patchFromDiff } from "../helpers/ruleTester.js";

const OPTS: ReplyOptions = {
  from: "lockreview <lockreview@localhost>",
  date: new Date("2026-03-02T10:00:00Z"),
  toolVersion: "9.9.9",
  rules: new Map(RULES.map((r) => [r.meta.id, r.meta])),
};

/** A hunk of 40 lines: context, then `+\tline_N();` at new lines 21 and 35. */
function longPatch(): Patch {
  const body: string[] = [];
  for (let i = 1; i <= 40; i++) body.push(i === 21 || i === 35 ? `+\tadded_${i}();` : ` \tcontext_${i}();`);
  const diff = ["diff --git a/drivers/block/l.c b/drivers/block/l.c", "--- a/drivers/block/l.c", "+++ b/drivers/block/l.c", "@@ -1,38 +1,40 @@ static void l_fn(void)", ...body, ""].join("\n");
  return {
    ...patchFromDiff(diff, "[PATCH] l: two changes"),
    messageId: "l-1@example.org",
    author: { name: "Ada Example", email: "ada@example.org" },
    date: "2026-03-01T09:00:00.000Z",
    to: ["list@lists.example.org"],
    cc: ["Ada Example <ADA@example.org>", "Bob <bob@example.org>", "lockreview <lockreview@localhost>", "list@lists.example.org"],
  };
}

const report = (p: Patch, findings: Finding[]): PatchReport => ({ source: p.source, messageId: p.messageId ?? "", subject: p.subject, findings });

describe("trimming", () => {
  test("a long hunk is quoted only around each offending line, with [ ... ] for what was cut", () => {
    const p = longPatch();
    const f1 = finding({ file: "drivers/block/l.c", line: 21, message: "first problem?" });
    const f2 = finding({ file: "drivers/block/l.c", line: 35, message: "second problem?" });
    const r = composeReply(report(p, [f1, f2]), p, undefined, OPTS)!;
    const lines = r.text.split("\n");
    expect(lines.slice(0, 6)).toEqual([
      "On Sun, 1 Mar 2026 09:00:00 +0000, Ada Example <ada@example.org> wrote:",
      "> diff --git a/drivers/block/l.c b/drivers/block/l.c",
      "> --- a/drivers/block/l.c",
      "> +++ b/drivers/block/l.c",
      "> @@ -1,38 +1,40 @@ static void l_fn(void)",
      "",
    ]);
    expect(lines.slice(6, 13)).toEqual(["[ ... ]", "", ">  \tcontext_18();", ">  \tcontext_19();", ">  \tcontext_20();", "> +\tadded_21();", ""]);
    expect(lines[13]).toBe("first problem?");
    // The second comment: the lines between the two are elided again.
    const at = lines.indexOf("> +\tadded_35();");
    expect(lines.slice(at - 6, at + 3)).toEqual(["", "[ ... ]", "", ">  \tcontext_32();", ">  \tcontext_33();", ">  \tcontext_34();", "> +\tadded_35();", "", "second problem?"]);
    // Nothing after the last comment is quoted.
    expect(r.text).not.toContain("context_36");
    expect(r.text).not.toContain("context_5()");
  });

  test("two findings on one line share the quote; a gap of a line or two is quoted, not elided", () => {
    const p = longPatch();
    const f1 = finding({ file: "drivers/block/l.c", line: 21, message: "one?" });
    const f2 = finding({ file: "drivers/block/l.c", line: 21, ruleId: "wq-flush-under-open-mutex", message: "two?" });
    const r = composeReply(report(p, [f1, f2]), p, undefined, OPTS)!;
    expect(r.text).toContain("> +\tadded_21();\n\none?\n\ntwo?\n");
    expect(r.text.match(/added_21/g)).toHaveLength(1);
  });

  test("a finding the patch does not show at all is discussed after the quotes, naming its place", () => {
    const p = longPatch();
    const f = finding({ file: "drivers/block/other.c", line: 300, function: "o_fn", message: "elsewhere?" });
    const r = composeReply(report(p, [f]), p, undefined, OPTS)!;
    expect(r.text).toContain("wrote:\n\nIn drivers/block/other.c, o_fn() (line 300), which this patch does not\nshow:\n\nelsewhere?\n");
  });

  test("nothing to say (every finding silenced inline): no reply", () => {
    const p = longPatch();
    expect(composeReply(report(p, [finding({ suppressed: "only at module exit" })]), p, undefined, OPTS)).toBeNull();
    expect(composeReply(report(p, []), p, undefined, OPTS)).toBeNull();
  });
});

describe("threading and recipients", () => {
  test("Re: once; References = the patch's References (or In-Reply-To) plus the patch", () => {
    expect(replySubject("[PATCH 1/2] x: y")).toBe("Re: [PATCH 1/2] x: y");
    expect(replySubject("Re: [PATCH 1/2] x: y")).toBe("Re: [PATCH 1/2] x: y");
    expect(replySubject("RE: x")).toBe("RE: x");
    const p = longPatch();
    expect(replyReferences({ ...p, references: ["a@x", "b@x"] })).toEqual(["<a@x>", "<b@x>", "<l-1@example.org>"]);
    expect(replyReferences({ ...p, references: [], inReplyTo: "c@x" })).toEqual(["<c@x>", "<l-1@example.org>"]);
    expect(replyReferences({ ...p, references: ["l-1@example.org"] })).toEqual(["<l-1@example.org>"]);
  });

  test("To the author; Cc everyone else once (case-insensitive), never the sender", () => {
    expect(recipients(longPatch(), OPTS.from)).toEqual({ to: ["Ada Example <ada@example.org>"], cc: ["list@lists.example.org", "Bob <bob@example.org>"], dropped: 0 });
    // The sender wrote the patch: the reply goes to the list instead.
    expect(recipients(longPatch(), "Ada <ada@example.org>")).toEqual({ to: ["list@lists.example.org"], cc: ["Bob <bob@example.org>", "lockreview <lockreview@localhost>"], dropped: 0 });
  });

  test("a patch sent for someone else (in-body From:): To both the author and the sender, as reviewers reply", () => {
    const p = { ...longPatch(), sender: { name: "Jens Example", email: "jens@example.org" } };
    expect(recipients(p, OPTS.from).to).toEqual(["Ada Example <ada@example.org>", "Jens Example <jens@example.org>"]);
  });

  test("100,000 To: addresses: the reply is still made, Cc capped with the lists first, and says how many were left out", async () => {
    const people = Array.from({ length: 100_000 }, (_, i) => `P${i} <p${i}@example.org>`);
    const p = { ...longPatch(), to: [...people.slice(0, 50_000), "linux-block@vger.kernel.org"], cc: [...people.slice(50_000), "dm-devel@lists.example.org"] };
    const r = composeReply(report(p, [finding({ file: "drivers/block/l.c", line: 21, message: "q?" })]), p, undefined, OPTS)!;
    expect(r.to).toEqual(["Ada Example <ada@example.org>"]);
    expect(r.cc).toHaveLength(MAX_CC);
    expect(r.cc.slice(0, 3)).toEqual(["linux-block@vger.kernel.org", "dm-devel@lists.example.org", "P0 <p0@example.org>"]);
    expect(r.dropped).toBe(100_002 - MAX_CC);
    // nodemailer renders it (it refuses messages over its maxRecipients).
    const rendered = await renderReply(r, "9.9.9");
    expect(rendered.envelope.to).toHaveLength(1 + MAX_CC);
  });

  test.each([
    ["linux-block@vger.kernel.org", true],
    ["nbd@lists.example.org", true],
    ["dm-devel@redhat.com", true],
    ["kernel@googlegroups.com", true],
    ["Jens Axboe <axboe@kernel.dk>", false],
    ["bob@example.org", false],
  ])("%s is a list: %s", (a, list) => {
    expect(isListAddress(a)).toBe(list);
  });

  test("the Message-ID is stable for the same findings and changes with them", () => {
    const p = longPatch();
    const a = replyMessageId(p, [finding({ fingerprint: "aa" })], OPTS.from);
    expect(replyMessageId(p, [finding({ fingerprint: "aa" })], OPTS.from)).toBe(a);
    expect(replyMessageId(p, [finding({ fingerprint: "bb" })], OPTS.from)).not.toBe(a);
    expect(replyMessageId(p, [finding({ fingerprint: "aa" })], "x <me@lists.example.org>")).toMatch(/@lists\.example\.org>$/);
  });
});

describe("text", () => {
  test("wrap keeps words whole and lines within the width; a long URL stays on its own line", () => {
    const url = `https://lore.kernel.org/r/${"x".repeat(80)}@example.org`;
    const out = wrap(`Please see ${url} for the details of this regression.`);
    expect(out).toEqual(["Please see", url, "for the details of this regression."]);
    for (const l of wrap("word ".repeat(60))) expect(l.length).toBeLessThanOrEqual(72);
  });

  test("the attribution stays within 72 columns: the address goes first, then the name is wrapped", () => {
    const p = { ...longPatch(), author: { name: "Maximiliane Example-Longname", email: "maximiliane.example-longname@subsystem.example.org" } };
    const r = composeReply(report(p, [finding({ file: "drivers/block/l.c", line: 21, message: "q?" })]), p, undefined, OPTS)!;
    expect(r.text.split("\n")[0]).toBe("On Sun, 1 Mar 2026 09:00:00 +0000, Maximiliane Example-Longname wrote:");
    const q = { ...p, author: { name: "A".repeat(60), email: "a@example.org" } };
    const lines = composeReply(report(q, [finding({ file: "drivers/block/l.c", line: 21, message: "q?" })]), q, undefined, OPTS)!.text.split("\n");
    expect(lines[0]).toBe("On Sun, 1 Mar 2026 09:00:00 +0000,");
    expect(lines[1]).toBe(`${"A".repeat(60)} wrote:`);
  });

  test("our own prose is ASCII: arrows and ellipses", () => {
    expect(asciify("a() → b() → c()…")).toBe("a() -> b() -> c()...");
  });

  test("a long question and chain stay within MAX_LINE", () => {
    const p = longPatch();
    const f = finding({
      file: "drivers/block/l.c",
      line: 21,
      message: `A ${"very ".repeat(40)}long question?`,
      trace: [{ file: "drivers/block/l.c", line: 21, function: "l_fn", note: `note ${"with many words ".repeat(10)}` }],
      scenario: ` CPU0: ${"a_function_name() → ".repeat(8)}del_gendisk()`,
    });
    const r = composeReply(report(p, [f]), p, undefined, OPTS)!;
    for (const l of r.text.split("\n")) if (!l.startsWith("> ")) expect(l.length).toBeLessThanOrEqual(MAX_LINE);
  });
});

describe("mail", () => {
  test("mboxrd: body lines starting with From (or >From) get one more '>', and read back exactly", async () => {
    const p = longPatch();
    const r = composeReply(report(p, [finding({ file: "drivers/block/l.c", line: 21, message: "q?" })]), p, undefined, OPTS)!;
    r.text = r.text.replace("q?", "q?\nFrom here on it is synchronous.\n>From quoted\n>>From twice");
    const rendered = await renderReply(r, "9.9.9");
    const entry = mboxrdEntry(rendered);
    expect(entry.startsWith("From mboxrd@z Thu Jan  1 00:00:00 1970\n")).toBe(true);
    expect(entry).toContain("\n>From here on it is synchronous.\n>>From quoted\n>>>From twice\n");
    const back = [];
    for await (const m of splitMbox(Readable.from([Buffer.from(entry + entry)]))) back.push(m.raw.toString());
    expect(back).toHaveLength(2);
    expect(back[0]).toBe(rendered.raw.toString());
  });

  test.each([
    [1, "x: fix the thing", "0001-x-fix-the-thing.eml"],
    [12, "../../etc/passwd", "0012-etc-passwd.eml"],
    [3, ".hidden", "0003-hidden.eml"],
    [4, "\u0000\r\n\t", "0004-reply.eml"],
    [5, "überprüfe die Sperre", "0005-uberprufe-die-Sperre.eml"],
    [6, "a".repeat(300), `0006-${"a".repeat(64)}.eml`],
  ])("file name %#: %j", (n, title, name) => {
    expect(replyFileName(n, title)).toBe(name);
  });

  test("8bit on the wire: QP from nodemailer is decoded back, unless a line is over 998 octets", () => {
    const qp = "Content-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=utf-8\n\nna=C3=AFve =3D=\nsoft\n";
    expect(decodeQP("a=3Db=\nc").toString()).toBe("a=bc");
    expect(toEightBit(Buffer.from(qp)).toString()).toBe("Content-Transfer-Encoding: 8bit\nContent-Type: text/plain; charset=utf-8\n\nnaïve =soft\n");
    const long = `Content-Transfer-Encoding: quoted-printable\n\n${"x=\n".repeat(1000)}\n`;
    expect(toEightBit(Buffer.from(long)).toString()).toBe(long);
  });
});

// A driver whose patch shows the whole chain: the lock and the del_gendisk()
// in ydev_remove(), and the ->open half far below (a second hunk).
const YDEV = (lock: string, unlock: string, openLock: string, openUnlock: string) => `static DEFINE_MUTEX(ydev_ctl_mutex);

static void ydev_remove(struct ydev *yd)
{
${lock}	idr_remove(&ydev_idr, yd->index);
	del_gendisk(yd->disk);
${unlock}	put_disk(yd->disk);
}
${Array.from({ length: 30 }, (_, i) => `static int ydev_helper_${i}(void) { return ${i}; }`).join("\n")}

static int ydev_open(struct block_device *bdev, fmode_t mode)
{
	struct ydev *yd = bdev->bd_disk->private_data;

${openLock}	yd->openers++;
${openUnlock}	return 0;
}

static const struct block_device_operations ydev_fops = {
	.open = ydev_open,
};
`;

describe("quoting the whole chain", () => {
  test("the lock, the del_gendisk() and the ->open half are quoted, trimmed, with [ ... ] between, and none is left without a word", async () => {
    const path = "drivers/block/ydev.c";
    const before = YDEV("", "", "", "");
    const after = YDEV("\tmutex_lock(&ydev_ctl_mutex);\n", "\tmutex_unlock(&ydev_ctl_mutex);\n", "\tmutex_lock(&ydev_ctl_mutex);\n", "\tmutex_unlock(&ydev_ctl_mutex);\n");
    const reviewer = await createReviewer({ provider: new MapProvider(new Map([[path, before]]), "test tree") });
    const p = { ...patchFromDiff(makePatch(path, before, after), "[PATCH] ydev: serialise open and remove"), messageId: "y-1@example.org" };
    const r = await reviewer.review(p);
    const f = r.report.findings.find((x) => x.ruleId === "lock-across-del-gendisk")!;
    expect(f).toBeDefined();
    const reply = composeReply({ ...r.report, findings: [f] }, p, r.details.filter((d) => d.finding === f), OPTS)!;
    const lines = reply.text.split("\n");
    const at = (s: string, from = 0) => lines.indexOf(s, from);
    const lock = at("> +\tmutex_lock(&ydev_ctl_mutex);");
    const del = at(">  \tdel_gendisk(yd->disk);");
    const second = at("> +\tmutex_lock(&ydev_ctl_mutex);", lock + 1);
    // In patch order: the lock, the removal, then the other hunk's ->open half.
    expect(lock).toBeGreaterThan(0);
    expect(del).toBeGreaterThan(lock);
    expect(second).toBeGreaterThan(del);
    expect(lines.slice(lock + 1, second).some((l) => l.startsWith("> @@ "))).toBe(true);
    expect(lines.slice(del, second)).toContain("[ ... ]");
    // Trimmed: the thirty helpers between the two halves are not quoted.
    expect(reply.text).not.toContain("ydev_helper_");
    // The comment and its question come once, under the finding's line; the ->open half gets a note.
    expect(reply.text.match(/^Can the disk still be opened/gm)).toHaveLength(1);
    expect(lines[second + 1]).toBe("");
    expect(lines[second + 2]).toMatch(/^The chain above goes on here: ydev_open\(\): /);
    for (const l of lines) if (!l.startsWith("> ") && !/^https?:\/\/\S+$/.test(l)) expect(l.length).toBeLessThanOrEqual(72);
  });
});

describe("citations", () => {
  const ref = (title: string, url: string) => ({ title, url });
  const nbd = ref('nbd 2021: nbd_put() held nbd_index_mutex across del_gendisk(); fixed by 68c9417b193d "nbd: do del_gendisk() asynchronously for NBD_DESTROY_ON_DISCONNECT"', "https://lore.kernel.org/r/20210811124428.2368491-2-hch@lst.de");
  const loop = ref("loop 2021: LOOP_CTL_REMOVE held loop_ctl_mutex across del_gendisk()", "https://lore.kernel.org/r/20210605140950.5800-1-hch@lst.de");
  const xen = ref("xen-blkfront 2021: blkfront_closing() took open_mutex, then del_gendisk() took it again (AA)", "https://lore.kernel.org/r/87pmvk0wep.fsf@vitty.brq.redhat.com");
  const p = longPatch();

  test("at most two, the same driver first, then the rule's order", () => {
    const f = finding({ file: "drivers/block/loop.c", references: [nbd, xen, loop] });
    expect(citations(f, p)).toEqual([loop, nbd]);
  });

  test("the same lock ranks above the rule's order; a lock the rule is about everywhere does not", () => {
    const f = finding({ file: "drivers/block/q.c", message: "q_remove() holds loop_ctl_mutex across del_gendisk(); disk->open_mutex …", references: [nbd, xen, loop] });
    expect(citations(f, p)).toEqual([xen, loop]);
    expect(citations(f, p, "Disallow … taken under disk->open_mutex")).toEqual([loop, nbd]);
    const g = finding({ file: "drivers/block/q.c", message: "q_release() takes open_mutex again", references: [nbd, xen, loop] });
    expect(citations(g, p)[0]).toBe(xen);
    expect(citations(g, p, "Disallow … taken under disk->open_mutex")[0]).toBe(nbd);
  });

  test("never the series under review: its thread on lore, or its own title quoted as the fix", () => {
    const own = { ...p, messageId: "20210811124428.2368491-2-hch@lst.de" };
    expect(citesItself(nbd, own)).toBe(true);
    expect(citations(finding({ file: "drivers/block/nbd.c", references: [nbd, loop] }), own)).toEqual([loop]);
    const inThread = { ...p, references: ["<20210811124428.2368491-1-hch@lst.de>", "<20210811124428.2368491-2-hch@lst.de>"] };
    expect(citesItself(nbd, inThread)).toBe(true);
    const v2 = { ...p, messageId: "other@example.org", title: "nbd: do del_gendisk() asynchronously for NBD_DESTROY_ON_DISCONNECT" };
    expect(citesItself(nbd, v2)).toBe(true);
    expect(citesItself(loop, v2)).toBe(false);
  });
});
