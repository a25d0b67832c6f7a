// Streaming mailbox splitter: bytes in, one raw message (Buffer) at a time out.
//
// Why hand-rolled instead of readline or an npm mbox reader: messages must stay
// raw bytes (charsets are decoded later, per MIME part), the unquoting rules of
// mboxrd and mboxo differ, and a 1 GB lore archive must never be held in memory.
// We scan each chunk for newlines with Buffer.indexOf and keep only the current
// message's bytes (as slices of the chunks) — nothing else accumulates.
//
// Postmark rule: every line that starts with "From " begins a new message, as in
// Python's mailbox module and public-inbox (an unquoted "From " line in a body
// *does* start a message: that is the format, not a bug). The empty line that
// separates a message from the next postmark belongs to the format, not to the
// message, and is dropped.
//
// Unquoting: mboxrd (public-inbox/lore `t.mbox.gz`, b4; postmark
// `From mboxrd@z Thu Jan  1 00:00:00 1970`) quotes every /^>*From / body line
// with one more '>', so we strip exactly one '>' from /^>+From /. mboxo only
// quoted "From " → ">From ", so only ">From " is unquoted there (">>From "
// stays as it is: mboxo cannot tell it apart from a real quoted line).

export type MboxFormat = "mboxrd" | "mboxo";

export interface MboxMessage {
  /** 1-based position in the mailbox. */
  index: number;
  /** The message bytes (headers and body), unquoted, without the postmark line. */
  raw: Buffer;
  /** The postmark line without its line ending, e.g. "From mboxrd@z Thu Jan  1 00:00:00 1970". */
  postmark: string;
  /** Set when the message exceeded `maxMessageBytes`: `raw` is then empty. */
  oversize?: number;
}

export interface SplitOptions {
  /** Force a format; by default the first postmark decides (mboxrd@z → mboxrd, else mboxo). */
  format?: MboxFormat;
  /**
   * Messages larger than this are not buffered (their bytes are skipped and the
   * message is yielded with `oversize` set), so one huge attachment cannot blow
   * the memory budget. Default 64 MiB: larger than any patch mail lore accepts.
   */
  maxMessageBytes?: number;
}

const NL = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const FROM_ = Buffer.from("From ", "latin1");

/** The postmark public-inbox and b4 write for mboxrd. */
export const MBOXRD_POSTMARK = "From mboxrd@z Thu Jan  1 00:00:00 1970";

function startsWithFrom(buf: Buffer, at: number, end: number): boolean {
  if (end - at < 5) return false;
  for (let i = 0; i < 5; i++) if (buf[at + i] !== FROM_[i]) return false;
  return true;
}

function lineText(buf: Buffer): string {
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === NL || buf[end - 1] === CR)) end--;
  return buf.toString("latin1", 0, end);
}

/**
 * Split a mailbox into messages. `input` yields Buffers (a Readable works, and
 * must already be decompressed: see `openInput`). Text before the first
 * postmark is ignored unless it is only blank lines — callers sniff the input
 * first and only send real mailboxes here.
 */
export async function* splitMbox(
  input: AsyncIterable<Buffer | string>,
  opts: SplitOptions = {},
): AsyncGenerator<MboxMessage> {
  const maxBytes = opts.maxMessageBytes ?? 64 * 1024 * 1024;
  let format: MboxFormat | undefined = opts.format;

  let index = 0;
  let inMessage = false;
  let postmark = "";
  let segments: Buffer[] = [];
  let size = 0;
  let oversize = false;
  // A partial line left over from the previous chunk.
  let carry: Buffer | null = null;

  const addSegment = (seg: Buffer) => {
    if (!inMessage || seg.length === 0) return;
    size += seg.length;
    if (oversize) return;
    if (size > maxBytes) {
      oversize = true;
      segments = [];
      return;
    }
    segments.push(seg);
  };

  const finish = (): MboxMessage | undefined => {
    if (!inMessage) return undefined;
    let raw: Buffer;
    if (oversize) raw = Buffer.alloc(0);
    else {
      raw = segments.length === 1 ? segments[0]! : Buffer.concat(segments, size);
      // Drop the separator line between messages ("\n" or "\r\n").
      const n = raw.length;
      if (n >= 2 && raw[n - 1] === NL && raw[n - 2] === NL) raw = raw.subarray(0, n - 1);
      else if (n >= 4 && raw[n - 1] === NL && raw[n - 2] === CR && raw[n - 3] === NL && raw[n - 4] === CR) {
        raw = raw.subarray(0, n - 2);
      } else if (n >= 3 && raw[n - 1] === NL && raw[n - 2] === CR && raw[n - 3] === NL) raw = raw.subarray(0, n - 2);
    }
    const msg: MboxMessage = { index, raw, postmark, ...(oversize ? { oversize: size } : {}) };
    segments = [];
    size = 0;
    oversize = false;
    return msg;
  };

  /**
   * Handle one complete line `buf[start, end)` (end includes the newline).
   * Returns a finished message when the line is a postmark, and the offset
   * from which the current message's next segment starts.
   */
  const onLine = (
    buf: Buffer,
    start: number,
    end: number,
    segStart: number,
  ): { done?: MboxMessage; segStart: number } => {
    const first = buf[start];
    if (first === 0x46 /* F */ && startsWithFrom(buf, start, end)) {
      // Postmark: close the current message with the bytes before this line.
      addSegment(buf.subarray(segStart, start));
      const done = finish();
      postmark = lineText(buf.subarray(start, end));
      if (format === undefined) format = postmark.startsWith("From mboxrd@z ") ? "mboxrd" : "mboxo";
      index++;
      inMessage = true;
      return { done, segStart: end };
    }
    if (first === GT && inMessage) {
      let p = start;
      while (p < end && buf[p] === GT) p++;
      const depth = p - start;
      if (startsWithFrom(buf, p, end) && (format === "mboxrd" || depth === 1)) {
        // Keep everything up to the first '>', then continue after it.
        addSegment(buf.subarray(segStart, start));
        return { segStart: start + 1 };
      }
    }
    return { segStart };
  };

  for await (const chunkIn of input) {
    const chunk = typeof chunkIn === "string" ? Buffer.from(chunkIn, "latin1") : chunkIn;
    let pos = 0;
    if (carry) {
      // Complete the line that straddled the chunk boundary.
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        carry = Buffer.concat([carry, chunk]);
        // A single "line" larger than the message cap (binary junk): keep
        // counting but stop buffering.
        if (carry.length > maxBytes && inMessage) {
          addSegment(carry);
          carry = Buffer.alloc(0);
        }
        continue;
      }
      const line = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
      carry = null;
      const r = onLine(line, 0, line.length, 0);
      if (r.done) yield r.done;
      addSegment(line.subarray(r.segStart));
      pos = nl + 1;
    }
    let segStart = pos;
    for (;;) {
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) break;
      const r = onLine(chunk, pos, nl + 1, segStart);
      segStart = r.segStart;
      if (r.done) yield r.done;
      pos = nl + 1;
    }
    // Bytes of the current message up to the last full line, then the partial line.
    addSegment(chunk.subarray(segStart, pos));
    if (pos < chunk.length) carry = chunk.subarray(pos);
  }
  if (carry && carry.length) {
    // Last line without a trailing newline.
    const r = onLine(carry, 0, carry.length, 0);
    if (r.done) yield r.done;
    addSegment(carry.subarray(r.segStart));
  }
  const last = finish();
  if (last) yield last;
}

/** True when `head` (the first bytes of a decompressed input) starts like an mbox. */
export function looksLikeMbox(head: Buffer): boolean {
  let p = 0;
  // Tolerate leading blank lines.
  while (p < head.length && (head[p] === NL || head[p] === CR)) p++;
  return startsWithFrom(head, p, head.length);
}

/** The commit id in a `git format-patch` postmark, if this is one. */
export function formatPatchCommit(postmark: string): string | undefined {
  const m = /^From ([0-9a-f]{40}) Mon Sep 17 00:00:00 2001$/.exec(postmark);
  return m?.[1];
}
