// The fast path must give exactly what mailparser gives: checked on every
// single-part fixture it accepts and on every such message of the corpus.
import { describe, expect, test } from "@jest/globals";
import { createReadStream, readFileSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { simpleParser } from "mailparser";
import { canDecodeFast, decodeFastBody } from "../../src/ingest/body.js";
import { MAIL_HEADER_FIELDS, readMailHeaders, splitHeaderBlock } from "../../src/ingest/headers.js";
import { splitMbox } from "../../src/ingest/mbox.js";
import { CORPUS, corpusPresent, fx } from "./helpers.js";

async function mailparserText(raw: Buffer): Promise<string> {
  return (await simpleParser(raw)).text ?? "";
}

function fast(raw: Buffer): string | undefined {
  const hb = splitHeaderBlock(raw, MAIL_HEADER_FIELDS);
  const h = readMailHeaders(hb.fields);
  return canDecodeFast(h) ? decodeFastBody(raw, hb.bodyOffset, h.transferEncoding).text : undefined;
}

describe("fast path", () => {
  test.each(["single.eml", "qp.eml", "base64.eml", "crlf.eml"])("%s: same text as mailparser", async (name) => {
    const raw = readFileSync(fx(name));
    const mine = fast(raw);
    expect(mine).toBeDefined();
    expect(mine).toBe(await mailparserText(raw));
  });

  test.each(["gbk.eml", "iso-2022-jp.eml", "windows-1251.eml", "flowed.eml", "attachment.eml"])("%s is not taken by the fast path", (name) => {
    expect(fast(readFileSync(fx(name)))).toBeUndefined();
  });

  test("QP details: soft breaks, =XX, trailing whitespace dropped, CRLF", async () => {
    const raw = Buffer.from(
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
        "a =3D b=\r\n c  \r\n+\tx =C3=A9\t\r\n=\r\nend\r\n",
    );
    expect(fast(raw)).toBe(await mailparserText(raw));
  });
});

const corpusDescribe = corpusPresent ? describe : describe.skip;
if (!corpusPresent) console.log(`[skip] fast path corpus equivalence: ${CORPUS} is absent`);

corpusDescribe("fast path on the linux-raid corpus", () => {
  test("every fast-path message decodes exactly as mailparser decodes it", async () => {
    let taken = 0;
    const diffs: number[] = [];
    for await (const m of splitMbox(createReadStream(CORPUS).pipe(createGunzip()))) {
      const mine = fast(m.raw);
      if (mine === undefined) continue;
      taken++;
      if (mine !== (await mailparserText(m.raw))) diffs.push(m.index);
    }
    expect(diffs).toEqual([]);
    // 2,139 plain + 260 quoted-printable + 76 base64 messages of 3,124.
    expect(taken).toBeGreaterThan(2400);
  });
});
