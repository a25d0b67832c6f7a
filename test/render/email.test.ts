// `lockreview review --format email`: the replies a maintainer would send,
// checked the way mail software reads them (mailparser, our own mboxrd
// reader, git mailinfo) and against the list conventions of
// KNOWN-INCIDENTS.md section C. The thread is fixtures/replies/zdev-v1.mbox
// (one patch per rule), reviewed against fixtures/replies/tree.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser, type AddressObject } from "mailparser";
import { cli, fakeReviewer, finding } from "../cli/helpers.js";
import { startSmtpStub } from "../helpers/smtpStub.js";
import { ROOT } from "../ingest/helpers.js";
import { EPOCH, type Mail, parseMbox, THREAD, TREE } from "./helpers.js";

const ENV = { SOURCE_DATE_EPOCH: EPOCH };

const addrs = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));
const refs = (r: string | string[] | undefined) => (Array.isArray(r) ? r : r ? r.split(/\s+/) : []);
const PATCH = (n: number) => `<20260301-zdev-v1-${n}@example.org>`;

let out = "";
let err = "";
let code = -1;
let mails: Mail[] = [];
beforeAll(async () => {
  const r = await cli(["review", "--tree", TREE, "--format", "email", THREAD], { env: ENV });
  ({ out, err, code } = r);
  mails = await parseMbox(out);
});

describe("--format email: one reply per patch with findings, mboxrd on stdout", () => {
  test("four replies (one per rule) on stdout, a count on stderr, exit 1 for the introduced errors", () => {
    expect(code).toBe(1);
    expect(out.startsWith("From mboxrd@z Thu Jan  1 00:00:00 1970\n")).toBe(true);
    expect(err).toBe("4 replies for 4 reviewed patches\n");
    expect(mails.map((m) => m.mail.subject)).toEqual([
      "Re: [PATCH 1/4] zdev: tear the device down before releasing its index",
      "Re: [PATCH 2/4] zdev: flush queued I/O when the last user closes",
      "Re: [PATCH 3/4] zdev: do not flush under open_mutex in ->release",
      "Re: [PATCH 4/4] zdev: drop the removal workqueue teardown from module exit",
    ]);
    const rules = mails.map((m) => [...m.mail.text!.matchAll(/lockreview: ignore ([a-z-]+) --/g)].map((x) => x[1]));
    expect(rules).toEqual([["lock-across-del-gendisk"], ["wq-flush-under-open-mutex"], ["caller-lock-dropped"], ["wq-not-drained-on-exit"]]);
  });

  test("strict threading: In-Reply-To the patch, References its references plus the patch, a new stable Message-ID", async () => {
    mails.forEach(({ mail }, i) => {
      expect(mail.inReplyTo).toBe(PATCH(i + 1));
      expect(refs(mail.references)).toEqual([PATCH(0), PATCH(i + 1)]);
      expect(mail.messageId).toMatch(/^<lockreview\.[0-9a-f]{20}@localhost>$/);
    });
    expect(new Set(mails.map((m) => m.mail.messageId)).size).toBe(4);
    // The same run gives the same ids (a reply generated twice is one message).
    const again = await cli(["review", "--tree", TREE, "--format", "email", THREAD], { env: ENV });
    expect(again.out).toBe(out);
  });

  test("To the author; Cc the patch's To and Cc, deduplicated, without the sender; Date; plain text utf-8, no HTML", () => {
    for (const { mail } of mails) {
      expect(addrs(mail.to)).toEqual(["ada@example.org"]);
      expect(addrs(mail.cc)).toEqual(["linux-block@lists.example.org", "jens@example.org", "bob@example.org"]);
      expect(addrs(mail.from)).toEqual(["lockreview@localhost"]);
      expect(mail.date?.toISOString()).toBe("2026-03-02T10:00:00.000Z");
      const ct = mail.headers.get("content-type") as { value: string; params: Record<string, string> };
      expect(ct.value).toBe("text/plain");
      expect(ct.params["charset"]).toBe("utf-8");
      expect(mail.html).toBe(false);
      expect(mail.attachments).toEqual([]);
    }
  });

  test("--from (and LOCKREVIEW_FROM) set the sender, who is dropped from Cc; the Message-ID uses its domain", async () => {
    const r = await cli(["review", "--tree", TREE, "--format", "email", "--from", "Bob Reviewer <BOB@example.org>", THREAD], { env: ENV });
    const m = await parseMbox(r.out);
    expect(addrs(m[0]!.mail.from)).toEqual(["BOB@example.org"]);
    expect(addrs(m[0]!.mail.cc)).toEqual(["linux-block@lists.example.org", "jens@example.org"]);
    expect(m[0]!.mail.messageId).toMatch(/@example\.org>$/);
    const e = await cli(["review", "--tree", TREE, "--format", "email", THREAD], { env: { ...ENV, LOCKREVIEW_FROM: "Jens Example <jens@example.org>" } });
    expect(addrs((await parseMbox(e.out))[0]!.mail.cc)).toEqual(["linux-block@lists.example.org", "bob@example.org"]);
  });

  test("a patch sent on the author's behalf (in-body From:): To the author and the sender; a long Cc is capped with a warning", async () => {
    const cc = Array.from({ length: 40 }, (_, i) => `Person ${i} <p${i}@example.org>`).join(",\n ");
    const mail = [
      "From: Jens Example <jens@example.org>",
      "To: linux-block@vger.kernel.org",
      `Cc: ${cc}`,
      "Subject: [PATCH] q: remove the disk under the lock",
      "Message-ID: <fwd-1@example.org>",
      "Date: Sun, 1 Mar 2026 10:00:00 +0000",
      "",
      "From: Ada Example <ada@example.org>",
      "",
      "Body.",
      "---",
      "diff --git a/drivers/block/q.c b/drivers/block/q.c",
      "--- a/drivers/block/q.c",
      "+++ b/drivers/block/q.c",
      "@@ -1,1 +1,2 @@",
      " int x;",
      "+int y;",
      "",
    ].join("\n");
    const dir = mkdtempSync(join(tmpdir(), "lockreview-fwd-"));
    try {
      writeFileSync(join(dir, "fwd.eml"), mail);
      const fake = fakeReviewer(() => [finding({ file: "drivers/block/q.c", line: 2 })]);
      const r = await cli(["review", "--format", "email", join(dir, "fwd.eml")], { env: ENV, createReviewer: fake.create });
      const [m] = await parseMbox(r.out);
      expect(addrs(m!.mail.to)).toEqual(["ada@example.org", "jens@example.org"]);
      const ccs = addrs(m!.mail.cc);
      expect(ccs).toHaveLength(24);
      expect(ccs[0]).toBe("linux-block@vger.kernel.org");
      expect(r.err).toContain(': warning: "[PATCH] q: remove the disk under the lock": 17 Cc addresses left out of its reply (at most 24; lists first)\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("our own reader reads the mailbox back as four replies (mboxrd, nothing to review)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockreview-mbox-"));
    try {
      writeFileSync(join(dir, "replies.mbox"), out);
      const r = await cli(["review", join(dir, "replies.mbox")]);
      expect(r.out).toContain("not reviewed: 4 replies (of 4 messages read)");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the body: trimmed, interleaved, plain text, questions under the line", () => {
  const body = (n: number) => mails[n - 1]!.mail.text!;
  const lines = (n: number) => body(n).split("\n");

  test("no top-posting: attribution, then the quoted hunk with its diff --git/---/+++ lines", () => {
    for (let n = 1; n <= 4; n++) {
      const l = lines(n);
      expect(l[0]).toBe(`On Sun, 1 Mar 2026 09:00:0${n} +0000, Ada Example <ada@example.org> wrote:`);
      expect(l.slice(1, 4)).toEqual(["> diff --git a/drivers/block/zdev.c b/drivers/block/zdev.c", "> --- a/drivers/block/zdev.c", "> +++ b/drivers/block/zdev.c"]);
      expect(l[4]).toMatch(/^> @@ -\d+,\d+ \+\d+,\d+ @@ /);
    }
  });

  test.each([
    [1, "> +\tzdev_remove(zd);", /^Can the disk still be opened at this point\? zdev_ctl_remove\(\) holds$/],
    [2, "> +\t\tflush_workqueue(zd->io_wq);", /^Is it safe to wait for this work here\? zdev_release\(\) runs with/],
    [3, "> +\t\tmutex_unlock(&disk->open_mutex);", /^Is it safe to drop disk->open_mutex here\?/],
    // Deletion only: the finding points at the allocation in zdev_init(); the question goes under the removed destroy.
    [4, "> -\tdestroy_workqueue(zdev_del_wq);", /^Where is zdev_del_wq destroyed\? zdev_exit\(\) does not call/],
  ])("patch %i: the question is directly under %j", (n, line, question) => {
    const l = lines(n);
    const at = l.indexOf(line);
    expect(at).toBeGreaterThan(4);
    expect(l[at + 1]).toBe("");
    expect(l[at + 2]).toMatch(question);
    // Only the hunk is quoted: nothing of the commit message, diffstat or the rest of the file.
    expect(body(n)).not.toContain("Signed-off-by");
    expect(body(n)).not.toMatch(/^> .*\| \d+ [+-]/m);
  });

  test("the lockdep scenario, the fix that worked before, and the incident with its lore link", () => {
    expect(body(1)).toContain(" Possible unsafe locking scenario:\n\n       CPU0                    CPU1\n");
    expect(body(1)).toContain(" *** DEADLOCK ***\n\n CPU0: zdev_ctl_remove() -> zdev_remove() -> del_gendisk()\n");
    expect(body(1)).toMatch(/\nWhat worked before: call del_gendisk\(\) outside the lock/);
    expect(body(1)).toMatch(/\nSeen before: nbd 2021: nbd_put\(\) held nbd_index_mutex across\ndel_gendisk\(\)[^]*\nhttps:\/\/lore\.kernel\.org\/r\/20210811124428\.2368491-2-hch@lst\.de\n/);
    expect(body(2)).toContain("https://lore.kernel.org/r/20220330052917.2566582-16-hch@lst.de");
    expect(body(3)).toContain("https://lore.kernel.org/r/Yam+TsPF1jaKM+Am@infradead.org");
    expect(body(4)).toContain("https://lore.kernel.org/r/20210811124428.2368491-2-hch@lst.de");
    // The chain, with the places outside the hunk.
    expect(body(4)).toContain("  drivers/block/zdev.c:114 zdev_init(): zdev_del_wq =\n      alloc_workqueue(\"zdev-del\")\n");
  });

  test("a finding the patch only fixes gets no words by default; with --all one line of thanks, not the old bug in the present tense", async () => {
    // Patch 3 also fixes patch 2's flush under open_mutex: by default the reply is about what it breaks.
    expect(body(3)).not.toMatch(/wq-flush-under-open-mutex|fixes an older problem/);
    const all = await parseMbox((await cli(["review", "--all", "--tree", TREE, "--format", "email", THREAD], { env: ENV })).out);
    const text = all[2]!.mail.text!;
    const l = text.split("\n");
    const at = l.indexOf(">  \t\tflush_workqueue(zd->io_wq);");
    expect(at).toBeGreaterThan(l.indexOf("> +\t\tmutex_unlock(&disk->open_mutex);"));
    expect(l.slice(at + 1, at + 5)).toEqual(["", "Thanks, this also fixes an older problem here: workqueue flushed or", "destroyed under disk->open_mutex (wq-flush-under-open-mutex).", ""]);
    // The fixed rule is named but not offered for silencing, and its old message is not repeated.
    expect(text).not.toContain("ignore wq-flush-under-open-mutex");
    expect(text).not.toMatch(/waits for every work item queued on zd->io_wq/);
  });

  test("footer after '-- ': generated by lockreview, which rules, how to report and silence a false positive", () => {
    for (let n = 1; n <= 4; n++) {
      const [, foot] = body(n).split("\n-- \n");
      expect(foot).toMatch(/^This review was generated by lockreview \d+\.\d+\.\d+ from the patch and the\nsource tree it applies to \(rules? /);
      expect(foot).toContain("If it is a false positive, please reply and say why.");
      expect(foot).toMatch(/\n {2}\/\* lockreview: ignore [a-z-]+ -- <reason> \*\/\n/);
      // A path inside lockreview's repository means nothing to the author: no docs line without --docs-url.
      expect(foot).not.toMatch(/docs\/rules|in lockreview/);
    }
  });

  test("--docs-url: the footer links each rule's page there", async () => {
    const r = await cli(["review", "--tree", TREE, "--format", "email", "--docs-url", "https://example.org/lockreview/", THREAD], { env: ENV });
    const foot = (await parseMbox(r.out))[0]!.mail.text!.split("\n-- \n")[1]!;
    expect(foot).toMatch(/\nRule documentation:\nhttps:\/\/example\.org\/lockreview\/docs\/rules\/lock-across-del-gendisk\.md\n$/);
  });

  test("at most two incidents, the rule's canonical one first when nothing is closer", () => {
    for (let n = 1; n <= 4; n++) {
      const cited = body(n).match(/^(Seen before|See also): /gm) ?? [];
      expect(cited.length).toBeGreaterThan(0);
      expect(cited.length).toBeLessThanOrEqual(2);
    }
    expect(body(1)).toMatch(/\nSeen before: nbd 2021: nbd_put\(\) held nbd_index_mutex/);
  });

  test("list conventions: no markdown, no Reported-by, no 'critical', no shouting; 72 columns except quoted diff lines and links", () => {
    for (const { mail, raw } of mails) {
      const text = mail.text!;
      const ours = text.split("\n").filter((l) => !l.startsWith("> ")).join("\n");
      // (lockdep's own "*** DEADLOCK ***" is not markdown bold.)
      expect(ours).not.toMatch(/```|\*\*\w|^#+ |^\s*[-*] \[|\[[^\]]*\]\(http/m);
      expect(text).not.toMatch(/reported-by|closes:/i);
      expect(text).not.toMatch(/critical/i);
      expect(text).not.toMatch(/\b(ERROR|WARNING|NOTE)\b/);
      // Every line we write is within 72 columns: prose, chain, scenario, footer, the attribution.
      for (const l of text.split("\n")) {
        if (l.startsWith("> ")) continue; // quoted diff lines stay intact
        if (/^https?:\/\/\S+$/.test(l)) continue; // a link is never broken (lore Message-IDs can be long)
        expect(l.length).toBeLessThanOrEqual(72);
      }
      // 8bit/7bit text, readable as is: no quoted-printable soft breaks in the raw message.
      expect(raw.toString()).toMatch(/^Content-Transfer-Encoding: (7bit|8bit)$/m);
      const rawBody = raw.toString("utf8").split("\n\n").slice(1).join("\n\n");
      expect(rawBody.trimEnd()).toBe(text.trimEnd());
    }
  });
});

describe("hunks only (no --tree)", () => {
  test("patches 2 and 4 still get their replies, saying what lockreview could not see; patches without findings get none", async () => {
    const r = await cli(["review", "--format", "email", THREAD], { env: ENV });
    const m = await parseMbox(r.out);
    // Patch 4 deletes destroy_workqueue() from the module exit: the hunk alone shows it.
    expect(m.map((x) => x.mail.subject)).toEqual([
      "Re: [PATCH 2/4] zdev: flush queued I/O when the last user closes",
      "Re: [PATCH 3/4] zdev: do not flush under open_mutex in ->release",
      "Re: [PATCH 4/4] zdev: drop the removal workqueue teardown from module exit",
    ]);
    expect(m[2]!.mail.text).toContain("Who waits for the workqueue zdev_del_wq now?");
    expect(m[0]!.mail.text).toMatch(/\nWhat lockreview could not see: part of zdev_release\(\) was not visible/);
    expect(m[0]!.mail.text).toContain("This review was generated by lockreview");
    expect(m[0]!.mail.text).toContain("from the patch alone");
  });
});

describe("--reply-dir", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lockreview-replies-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("one .eml per reply, named <nnnn>-<title>.eml like format-patch; the file list on stdout", async () => {
    const target = join(dir, "out");
    const r = await cli(["review", "--tree", TREE, "--format", "email", "--reply-dir", target, THREAD], { env: ENV });
    expect(r.code).toBe(1);
    const names = [
      "0001-zdev-tear-the-device-down-before-releasing-its-index.eml",
      "0002-zdev-flush-queued-I-O-when-the-last-user-closes.eml",
      "0003-zdev-do-not-flush-under-open_mutex-in-release.eml",
      "0004-zdev-drop-the-removal-workqueue-teardown-from-module-exit.eml",
    ];
    expect(readdirSync(target).sort()).toEqual(names);
    expect(r.out).toBe(names.map((n) => `${join(target, n)}\n`).join(""));
    // Each file is the same message as the mailbox entry.
    for (const [i, n] of names.entries()) {
      const mail = await simpleParser(readFileSync(join(target, n)));
      expect(mail.messageId).toBe(mails[i]!.mail.messageId);
      expect(mail.text).toBe(mails[i]!.mail.text);
    }
  });

  test("a hostile subject cannot escape the directory or put control characters in a file name", async () => {
    const evil = [
      "From: Eve <eve@example.org>",
      "Subject: [PATCH] ../../../tmp/x\u0007\u001b[31m/..\\evil:name*?.eml",
      "Message-ID: <evil@example.org>",
      "Date: Sun, 1 Mar 2026 10:00:00 +0100",
      "",
      "Body.",
      "---",
      "diff --git a/drivers/block/e.c b/drivers/block/e.c",
      "--- a/drivers/block/e.c",
      "+++ b/drivers/block/e.c",
      "@@ -1,1 +1,2 @@",
      " int x;",
      "+int y;",
      "",
    ].join("\n");
    const file = join(dir, "evil.eml");
    writeFileSync(file, evil);
    const fake = fakeReviewer(() => [finding({ file: "drivers/block/e.c", line: 2 })]);
    const target = join(dir, "evil-out");
    const r = await cli(["review", "--format", "email", "--reply-dir", target, file], { env: ENV, createReviewer: fake.create });
    expect(r.err).not.toContain("error");
    const names = readdirSync(target);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^0001-[A-Za-z0-9._-]+\.eml$/);
    expect(names[0]).toBe("0001-tmp-x-31m-evil-name-eml.eml");
  });
});

describe("--send: default-safe, through SMTP", () => {
  test("--send without --yes is a dry run: lists each reply with its recipients and threading, sends nothing", async () => {
    const smtp = await startSmtpStub();
    try {
      const r = await cli(["review", "--tree", TREE, "--format", "email", "--send", "--smtp", smtp.url, THREAD], { env: ENV });
      expect(r.code).toBe(1);
      expect(smtp.connections).toBe(0);
      expect(r.out).toContain(`would send ${mails[0]!.mail.messageId}\n  subject: Re: [PATCH 1/4] zdev: tear the device down before releasing its index\n  to: Ada Example <ada@example.org>\n  cc: linux-block@lists.example.org, Jens Example <jens@example.org>, Bob Reviewer <bob@example.org>\n  in-reply-to: <20260301-zdev-v1-1@example.org>\n`);
      expect(r.out).toContain(`dry run: nothing sent (4 replies; would go through ${smtp.url}); add --yes to send\n`);
      // --dry-run wins over --yes.
      const d = await cli(["review", "--tree", TREE, "--format", "email", "--send", "--yes", "--dry-run", "--smtp", smtp.url, THREAD], { env: ENV });
      expect(d.out).toContain("dry run: nothing sent");
      expect(smtp.connections).toBe(0);
    } finally {
      await smtp.close();
    }
  });

  test("--send --yes sends each reply to the author and Cc, byte for byte what --reply-dir writes", async () => {
    const smtp = await startSmtpStub();
    const dir = mkdtempSync(join(tmpdir(), "lockreview-send-"));
    try {
      const r = await cli(["review", "--tree", TREE, "--format", "email", "--send", "--yes", "--from", "Review Bot <bot@example.org>", "--smtp", smtp.url, "--reply-dir", dir, THREAD], { env: ENV });
      expect(r.err).toBe("4 replies for 4 reviewed patches\n");
      expect(r.code).toBe(1);
      expect(smtp.received).toHaveLength(4);
      expect(r.out).toMatch(/^sent <lockreview\.[0-9a-f]{20}@example\.org> \(250 2\.0\.0 queued\)\n/m);
      expect(r.out).toContain(`4 sent through ${smtp.url}\n`);
      const files = readdirSync(dir).sort();
      for (const [i, m] of smtp.received.entries()) {
        expect(m.from).toBe("bot@example.org");
        expect(m.to).toEqual(["ada@example.org", "linux-block@lists.example.org", "jens@example.org", "bob@example.org"]);
        const mail = await simpleParser(m.data);
        expect(mail.inReplyTo).toBe(PATCH(i + 1));
        expect(refs(mail.references)).toEqual([PATCH(0), PATCH(i + 1)]);
        expect(m.data.toString().replace(/\r\n/g, "\n")).toBe(readFileSync(join(dir, files[i]!), "utf8"));
      }
    } finally {
      await smtp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an SMTP server that is not there: one line on stderr, exit 2, no stack trace", async () => {
    const smtp = await startSmtpStub();
    const url = smtp.url;
    await smtp.close(); // nothing listens on the port now
    const r = await cli(["review", "--tree", TREE, "--format", "email", "--send", "--yes", "--smtp", url, THREAD], { env: { ...ENV, LOCKREVIEW_FROM: "bot@example.org" } });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^lockreview: sending <lockreview\\.[0-9a-f]{20}@example\\.org> through ${url.replace(/\./g, "\\.")} failed: .*ECONNREFUSED`));
    expect(r.err).not.toContain("    at ");
  });

  test("a patch without a Message-ID (format-patch output): reply written with a warning, never sent", async () => {
    const smtp = await startSmtpStub();
    try {
      const series = join(ROOT, "fixtures", "examples", "xdev", "series");
      const m = await cli(["review", "--format", "email", series], { env: ENV });
      expect(m.err).toContain('has no Message-ID: its reply cannot be threaded');
      const parsed = await parseMbox(m.out);
      expect(parsed).toHaveLength(1);
      expect(parsed[0]!.mail.inReplyTo).toBeUndefined();
      const s = await cli(["review", "--format", "email", "--send", "--yes", "--smtp", smtp.url, series], { env: { ...ENV, EMAIL: "ada@example.org" } });
      expect(s.out).toContain("not sent: <lockreview.");
      expect(s.out).toContain("0 sent through");
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });
});

describe("usage errors", () => {
  test.each([
    [["review", "--reply-dir", "x", "in"], "lockreview: --reply-dir only applies to --format email"],
    [["review", "--format", "json", "--send", "in"], "lockreview: --send only applies to --format email"],
    [["review", "--format", "email", "--yes", "in"], "lockreview: --yes only applies with --send"],
    [["review", "--format", "text", "--docs-url", "https://example.org/", "in"], "lockreview: --docs-url only applies to --format sarif or email"],
  ])("%j", async (argv, msg) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toBe(msg);
  });

  test("a bad --from, --smtp or missing --smtp", async () => {
    const a = await cli(["review", "--format", "email", "--from", "nobody", THREAD]);
    expect(a.err).toMatch(/^lockreview: --from 'nobody' is not a mail address/);
    const b = await cli(["review", "--format", "email", "--send", "--smtp", "http://x", THREAD]);
    expect(b.err).toMatch(/^lockreview: --smtp must be a smtp:\/\/ or smtps:\/\/ URL/);
    const c = await cli(["review", "--format", "email", "--send", "--yes", THREAD]);
    expect(c.err).toMatch(/^lockreview: --send --yes needs --smtp URL/);
    const e = await cli(["review", "--format", "email", "--reply-dir", join(THREAD, "sub"), THREAD]);
    expect(e.err).toMatch(/^lockreview: --reply-dir '.*zdev-v1\.mbox\/sub' cannot be created: ENOTDIR\n/);
    expect(e.code).toBe(2);
    const d = await cli(["review", "--format", "email", "--send", "--yes", "--smtp", "smtp://127.0.0.1:1", THREAD]);
    expect(d.err).toMatch(/^lockreview: --send --yes needs --from ADDR/);
    for (const r of [a, b, c, d]) expect(r.code).toBe(2);
  });
});

test("scan has no patches to reply to: a usage error before anything is read, and its --help does not offer email", async () => {
  const r = await cli(["scan", "--format", "email", join(ROOT, "test", "fixtures", "scan", "ydev.c")]);
  expect(r.code).toBe(2);
  expect(r.out).toBe("");
  expect(r.err).toBe("lockreview: --format email replies to patches; `scan` has none (use `lockreview review`)\n(see 'lockreview scan --help')\n");
  const help = await cli(["scan", "--help"]);
  expect(help.out).toContain("-f, --format FMT     output format: text, json, jsonl, sarif, terse (default: text)");
});

// git's own mail reader: a reply must never look like a patch to `git am`.
const noGit = spawnSync("sh", ["-c", "command -v git"]).status !== 0;
if (noGit) console.log("[skip] git mailinfo check: git is not installed");
(noGit ? describe.skip : describe)("git mailinfo", () => {
  test("finds no patch in any reply (quoted diff lines are not a diff)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockreview-mailinfo-"));
    try {
      for (const { raw } of mails) {
        const r = spawnSync("git", ["mailinfo", join(dir, "msg"), join(dir, "patch")], { input: raw, encoding: "utf8" });
        expect(r.status).toBe(0);
        expect(readFileSync(join(dir, "patch"), "utf8")).toBe("");
        expect(r.stdout).toMatch(/^Author: lockreview\nEmail: lockreview@localhost\nSubject: /);
        expect(readFileSync(join(dir, "msg"), "utf8")).toContain("lockreview: ignore");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
