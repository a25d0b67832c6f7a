// Shared by the reply-mail, SARIF and public-inbox tests.
import { join } from "node:path";
import { Readable } from "node:stream";
import { simpleParser, type ParsedMail } from "mailparser";
import { splitMbox } from "../../src/ingest/mbox.js";
import { ROOT } from "../ingest/helpers.js";

/** A thread with one patch per rule (fixtures/replies/README.md). */
export const THREAD = join(ROOT, "fixtures", "replies", "zdev-v1.mbox");
export const TREE = join(ROOT, "fixtures", "replies", "tree");
/** SOURCE_DATE_EPOCH of the replies: 2026-03-02T10:00:00Z. */
export const EPOCH = "1772445600";

export interface Mail {
  raw: Buffer;
  mail: ParsedMail;
}

/** Split an mbox (our own reader) and parse each message with mailparser. */
export async function parseMbox(text: string | Buffer): Promise<Mail[]> {
  const out: Mail[] = [];
  for await (const m of splitMbox(Readable.from([Buffer.from(text)]))) out.push({ raw: m.raw, mail: await simpleParser(m.raw) });
  return out;
}
