// The replies, checked by a real archive: public-inbox (Debian's package,
// what lore runs) gets the zdev thread and lockreview's replies delivered
// as an MTA would, and must put each reply in its patch's thread — the
// thread's t.mbox.gz, downloaded over HTTP from public-inbox-httpd on
// 127.0.0.1, contains them, and an unrelated message stays out. Skips,
// saying why, when public-inbox is missing or will not start.
import { afterAll, describe, expect, test } from "@jest/globals";
import { createReadStream, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { splitMbox } from "../../src/ingest/mbox.js";
import { cli } from "../cli/helpers.js";
import { EPOCH, type Mail, parseMbox, THREAD, TREE } from "../render/helpers.js";
import { createInbox, deliver, type Inbox, missingTools, serve, stopInbox } from "./helpers.js";

const missing = missingTools();
if (missing.length) console.log(`[skip] public-inbox reply threading test: not installed: ${missing.join(", ")} (apt-get install public-inbox)`);

const COVER = "20260301-zdev-v1-0@example.org";
const PATCH = (n: number) => `20260301-zdev-v1-${n}@example.org`;
const UNRELATED = [
  "From: Carol Example <carol@example.org>",
  "To: linux-block@lists.example.org",
  "Subject: [PATCH] other: an unrelated patch",
  "Message-ID: <unrelated-1@example.org>",
  "Date: Sun, 1 Mar 2026 11:00:00 +0100",
  "",
  "Not part of the zdev thread.",
  "",
].join("\n");

const ib: Inbox = { dir: "", base: "", name: "test", address: "test@example.org" };
let replies: Mail[] = [];
let problem = missing.length ? `not installed: ${missing.join(", ")}` : "";
if (!problem) {
  ib.dir = mkdtempSync(join(tmpdir(), "lockreview-pi-replies-"));
  try {
    Object.assign(ib, createInbox(ib.dir));
    for await (const m of splitMbox(createReadStream(THREAD))) deliver(ib, m.raw);
    deliver(ib, Buffer.from(UNRELATED));
    const r = await cli(["review", "--tree", TREE, "--format", "email", THREAD], { env: { SOURCE_DATE_EPOCH: EPOCH } });
    replies = await parseMbox(r.out);
    if (replies.length !== 4) throw new Error(`expected 4 replies, got ${replies.length}: ${r.err}`);
    for (const m of replies) deliver(ib, m.raw);
    await serve(ib);
  } catch (e) {
    problem = (e as Error).message;
    console.log(`[skip] public-inbox reply threading test: ${problem}`);
    stopInbox(ib);
  }
}

async function thread(id: string): Promise<Mail[]> {
  const res = await fetch(`${ib.base}/${ib.name}/${id}/t.mbox.gz`);
  expect(res.status).toBe(200);
  return parseMbox(gunzipSync(Buffer.from(await res.arrayBuffer())));
}

(problem ? describe.skip : describe)("public-inbox threads lockreview's replies under their patches", () => {
  afterAll(() => stopInbox(ib));

  test.each([1, 2, 3, 4])("patch %i: its thread's t.mbox.gz contains the reply, In-Reply-To the patch", async (n) => {
    const msgs = await thread(PATCH(n));
    const ids = msgs.map((m) => m.mail.messageId);
    const reply = replies[n - 1]!.mail;
    expect(ids).toContain(reply.messageId);
    expect(ids).toContain(`<${PATCH(n)}>`);
    const got = msgs.find((m) => m.mail.messageId === reply.messageId)!.mail;
    expect(got.inReplyTo).toBe(`<${PATCH(n)}>`);
    expect(got.subject).toBe(reply.subject);
    expect(got.text).toBe(reply.text);
    // The whole thread: cover, 4 patches, the human reply and our 4 replies; nothing else.
    expect(ids).toHaveLength(10);
    expect(ids).not.toContain("<unrelated-1@example.org>");
  });

  test("the reply's own page names its parent, and the unrelated message has a thread of its own", async () => {
    const page = await fetch(`${ib.base}/${ib.name}/${replies[0]!.mail.messageId!.slice(1, -1)}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(PATCH(1));
    const other = await thread("unrelated-1@example.org");
    expect(other.map((m) => m.mail.messageId)).toEqual(["<unrelated-1@example.org>"]);
  });

  test("reviewing the archived thread again gives the same replies (same Message-IDs: no duplicates on a resend)", async () => {
    const res = await fetch(`${ib.base}/${ib.name}/${COVER}/t.mbox.gz`);
    const file = join(ib.dir, "t.mbox.gz");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const r = await cli(["review", "--tree", TREE, "--format", "email", file], { env: { SOURCE_DATE_EPOCH: EPOCH } });
    expect(r.err).toBe("4 replies for 4 reviewed patches\n");
    const again = await parseMbox(r.out);
    expect(again.map((m) => m.mail.messageId)).toEqual(replies.map((m) => m.mail.messageId));
  });
});
