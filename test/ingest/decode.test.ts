// Message decoding: transfer encodings, charsets, CRLF, attachments,
// format=flowed, headers. Each case goes through the whole ingest of one file.
import { describe, expect, test } from "@jest/globals";
import { decodeWords, parseAddresses, parseDate, readMailHeaders, splitHeaderBlock } from "../../src/ingest/headers.js";
import { FLOWED_WARNING } from "../../src/ingest/body.js";
import { collect, fx } from "./helpers.js";

async function one(name: string) {
  const got = await collect([fx(name)]);
  expect(got.errors).toEqual([]);
  expect(got.patches).toHaveLength(1);
  return got.patches[0]!;
}

const ADDED = "\tdestroy_workqueue(demo_wq);";

describe("message decoding", () => {
  test("quoted-printable body: =3D decoded, the patch line intact", async () => {
    const p = await one("qp.eml");
    expect(p.body).toContain("A quoted-printable patch: a = b, and a long line that quoted-printable has to break with a soft line break at seventy-six characters.");
    expect(p.files[0]!.hunks[0]!.changes.find((c) => c.kind === "add")!.content).toBe(ADDED);
  });

  test("base64 body with a non-ASCII name", async () => {
    const p = await one("base64.eml");
    expect(p.body).toContain("Jérôme");
    expect(p.files[0]!.additions).toBe(1);
  });

  test.each([
    ["gbk.eml", "修复工作队列。", "张三", "[PATCH] demo_blk: 修复"],
    ["iso-2022-jp.eml", "ワークキューを修正します。", "Alice Example", "[PATCH] demo_blk: iso-2022-jp body"],
    ["windows-1251.eml", "Исправление очереди.", "Alice Example", "[PATCH] demo_blk: windows-1251 body"],
  ])("%s: body, author and subject decoded", async (file, body, author, subject) => {
    const p = await one(file);
    expect(p.body).toContain(body);
    expect(p.author?.name).toBe(author);
    expect(p.subject).toBe(subject);
    expect(p.files[0]!.hunks[0]!.changes.find((c) => c.kind === "add")!.content).toBe(ADDED);
    expect(p.warnings).toEqual([]);
  });

  test("CRLF message: no \\r in text or diff lines", async () => {
    const p = await one("crlf.eml");
    expect(p.body).toBe("Sent by a client that writes CRLF.\n\nSigned-off-by: Alice Example <alice@example.org>");
    expect(p.files[0]!.hunks[0]!.changes.every((c) => !c.content.includes("\r"))).toBe(true);
    expect(p.files[0]!.hunks[0]!.changes.find((c) => c.kind === "add")!.content).toBe(ADDED);
  });

  test("a text/x-patch attachment carries the diff; its own commit message wins", async () => {
    const p = await one("attachment.eml");
    expect(p.kind).toBe("patch");
    expect(p.attachment).toBe("0001-demo_blk-destroy.patch");
    expect(p.body).toBe("Destroy the workqueue on exit (from the attachment).\n\nSigned-off-by: Alice Example <alice@example.org>");
    expect(p.files[0]!.newPath).toBe("drivers/block/demo_blk.c");
    // Line numbers in the patch input are only known for inline diffs.
    expect(p.files[0]!.hunks[0]!.changes[0]!.patchLine).toBeUndefined();
  });

  test("format=flowed: read raw, the line ending in a space is not joined, and a warning says so", async () => {
    const p = await one("flowed.eml");
    expect(p.warnings).toContain(FLOWED_WARNING);
    const adds = p.files[0]!.hunks[0]!.changes.filter((c) => c.kind === "add").map((c) => c.content);
    expect(adds).toEqual(["\tint b; "]);
    expect(p.files[0]!.hunks[0]!.changes.map((c) => c.content)).toContain("\tdemo_count++;");
  });

  test("mailparser would have joined the flowed lines (why we read raw)", async () => {
    const { simpleParser } = await import("mailparser");
    const { readFileSync } = await import("node:fs");
    const parsed = await simpleParser(readFileSync(fx("flowed.eml")));
    // It joins the line ending in a space with the next one, and un-stuffs every
    // line that starts with a space (the diff's context lines).
    expect(parsed.text).toContain("+\tint b; \tdemo_count++;");
  });

  test("headers: encoded words, addresses, ids, date", async () => {
    const p = await one("single.eml");
    expect(p).toMatchObject({
      messageId: "single-1@example.org",
      subject: "[PATCH net-next v3] demo_blk: serialise removal with demo_lock",
      title: "demo_blk: serialise removal with demo_lock",
      author: { name: "Alice Example", email: "alice@example.org" },
      date: "2025-01-13T09:00:00.000Z",
      to: ["linux-block@vger.kernel.org"],
      cc: ["Bob Reviewer <bob@example.org>", "Tester, Carol <carol@example.org>"],
      references: [],
    });
    expect(p.tags).toMatchObject({ version: 3, prefixes: ["net-next"] });
  });

  test("RFC 2047: adjacent words join, utf-8 split across words, iso-2022-jp per word", () => {
    expect(decodeWords("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?= au lait")).toBe("café au lait");
    expect(decodeWords("=?ISO-8859-1?Q?Andr=E9?= Pirard")).toBe("André Pirard");
    expect(decodeWords("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?= =?ISO-2022-JP?B?GyRCIzEbKEI=?=")).toBe("こんにちは１");
    const w: string[] = [];
    expect(decodeWords("=?y?q?abc?=", w)).toBe("abc");
    expect(w[0]).toMatch(/unknown charset "y"/);
  });

  test("addresses: a name equal to the address is dropped; groups flattened", () => {
    expect(parseAddresses(['"hch@lst.de" <hch@lst.de>'])).toEqual([{ name: "", email: "hch@lst.de" }]);
    expect(parseAddresses(["Team: a@x.org, B <b@x.org>;"])).toEqual([{ name: "", email: "a@x.org" }, { name: "B", email: "b@x.org" }]);
    expect(parseAddresses(["=?utf-8?q?J=C3=A9r=C3=B4me?= <j@x.org>"])).toEqual([{ name: "Jérôme", email: "j@x.org" }]);
  });

  test("References with commas and In-Reply-To with a trailing comment give clean ids", () => {
    const h = readMailHeaders(splitHeaderBlock(Buffer.from(
      "Subject: Re: x\nIn-Reply-To: <a@x> (Bob's message of \"Mon, 1 Jan\")\nReferences: <r1@x>,\n <r2@x>, <a@x>\n\nbody\n")).fields);
    expect(h.inReplyTo).toBe("a@x");
    expect(h.references).toEqual(["r1@x", "r2@x", "a@x"]);
  });

  test("dates: RFC 2822 with a comment; unparseable gives none", () => {
    expect(parseDate("Tue, 1 Mar 2022 10:45:50 +0200 (EET)")).toBe("2022-03-01T08:45:50.000Z");
    expect(parseDate("not a date")).toBeUndefined();
  });
});
