import { describe, expect, test } from "@jest/globals";
import { Readable } from "node:stream";
import { formatPatchCommit, looksLikeMbox, splitMbox, type MboxMessage } from "../../src/ingest/mbox.js";
import { readFixture, streamOf } from "./helpers.js";

async function split(input: Buffer | string, chunk?: number, opts = {}): Promise<MboxMessage[]> {
  const out: MboxMessage[] = [];
  for await (const m of splitMbox(chunk ? streamOf(input, chunk) : Readable.from([Buffer.from(input)]), opts)) out.push(m);
  return out;
}

const RD = "From mboxrd@z Thu Jan  1 00:00:00 1970\n";

describe("splitMbox", () => {
  test("mboxrd: strips exactly one '>' from every >*From line", async () => {
    const mbox = RD + "Subject: a\n\n>From here on\n>>From quoted\n>>>From deeper\n> From not quoted\n\n" + RD + "Subject: b\n\nbody\n";
    const msgs = await split(mbox);
    expect(msgs.map((m) => m.index)).toEqual([1, 2]);
    expect(msgs[0]!.raw.toString()).toBe("Subject: a\n\nFrom here on\n>From quoted\n>>From deeper\n> From not quoted\n");
    expect(msgs[1]!.raw.toString()).toBe("Subject: b\n\nbody\n");
    expect(msgs[0]!.postmark).toBe("From mboxrd@z Thu Jan  1 00:00:00 1970");
  });

  test("mboxo: only >From is unquoted, >>From stays", async () => {
    const msgs = await split(readFixture("mboxo.mbox"));
    expect(msgs).toHaveLength(2);
    const body = msgs[0]!.raw.toString();
    expect(body).toContain("\nFrom now on the workqueue is destroyed on exit.\n");
    expect(body).toContain("\n>>From stays as it is: mboxo cannot tell quoting from a real quote.\n");
    expect(msgs[1]!.postmark).toBe("From bob@example.org Mon Jan 13 11:00:00 2025");
  });

  test("mboxrd fixture: cover, 3 patches and a reply, quoted From lines restored", async () => {
    const msgs = await split(readFixture("series.mboxrd"));
    expect(msgs).toHaveLength(5);
    const p1 = msgs[1]!.raw.toString();
    expect(p1).toContain("\nFrom here on the reset is synchronous");
    expect(msgs[4]!.raw.toString()).toContain("\n>From the lockdep point of view that is an AB-BA.\n");
  });

  test("gives the same messages whatever the chunking (lines split across chunks)", async () => {
    const data = readFixture("series.mboxrd");
    const whole = (await split(data)).map((m) => m.raw.toString("base64"));
    for (const chunk of [1, 2, 3, 5, 64, 4096]) {
      expect((await split(data, chunk)).map((m) => m.raw.toString("base64"))).toEqual(whole);
    }
  });

  test("keeps raw bytes (no charset decoding) and CRLF", async () => {
    const gbk = Buffer.from([0xc4, 0xe3, 0xba, 0xc3]);
    const mbox = Buffer.concat([Buffer.from("From x Mon Jan 13 10:00:00 2025\r\nSubject: a\r\n\r\n"), gbk, Buffer.from("\r\n\r\nFrom y Mon Jan 13 10:00:00 2025\r\nSubject: b\r\n\r\nx\r\n")]);
    const msgs = await split(mbox, 3);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]!.raw.equals(Buffer.concat([Buffer.from("Subject: a\r\n\r\n"), gbk, Buffer.from("\r\n")]))).toBe(true);
  });

  test("a last line without a newline is kept", async () => {
    const msgs = await split(RD + "Subject: a\n\nno newline at the end");
    expect(msgs[0]!.raw.toString()).toBe("Subject: a\n\nno newline at the end");
  });

  test("an oversize message is skipped, not buffered, and the next one still comes", async () => {
    const big = "x".repeat(2000) + "\n";
    const msgs = await split(RD + "Subject: big\n\n" + big.repeat(10) + "\n" + RD + "Subject: small\n\nok\n", 100, { maxMessageBytes: 1000 });
    expect(msgs).toHaveLength(2);
    expect(msgs[0]!.oversize).toBeGreaterThan(1000);
    expect(msgs[0]!.raw.length).toBe(0);
    expect(msgs[1]!.raw.toString()).toBe("Subject: small\n\nok\n");
  });

  test("looksLikeMbox and format-patch postmarks", () => {
    expect(looksLikeMbox(Buffer.from("\nFrom abc Mon"))).toBe(true);
    expect(looksLikeMbox(Buffer.from("From: someone"))).toBe(false);
    expect(formatPatchCommit("From 3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f40 Mon Sep 17 00:00:00 2001")).toBe(
      "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f40",
    );
    expect(formatPatchCommit("From mboxrd@z Thu Jan  1 00:00:00 1970")).toBeUndefined();
  });
});
