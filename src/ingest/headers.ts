// Mail header parsing for every message: our own code for the header block
// (split, unfold, RFC 2047 encoded words, Message-ID lists, dates) and
// nodemailer's addressparser (the one mailparser uses) for address lists.
//
// Why not mailparser for headers too: a linux-raid mail carries 30–60 header
// lines (Received:, ARC-*, DKIM) and mailparser parses and HTML-escapes all of
// them; profiling the corpus put header work at a third of mailparser's time.
// We only decode the dozen headers a review needs. The corpus test checks that
// subject, ids and addresses come out the same as mailparser's.
import addressparser from "nodemailer/lib/addressparser";
import type { Person } from "../model/patch.js";
import { isUtf8 } from "node:buffer";
import { decodeBytes } from "./charset.js";
import { ownString } from "./ownString.js";

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** Unfolded raw value (line breaks of folding removed), not yet RFC 2047 decoded. */
  value: string;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Byte offset of the body (after the blank separator line). */
  bodyOffset: number;
  /** Number of lines the header block and the separator line take (for line numbers in the message). */
  lineCount: number;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * Split the header block off a raw message. Lines that are neither fields nor
 * continuations are skipped. With `wanted`, only those fields are collected:
 * a vger mail has 30–60 header lines (Received:, ARC-*, DKIM-*) of which a
 * review reads a dozen, and this runs for every message of a mailbox.
 */
export function splitHeaderBlock(raw: Buffer, wanted?: ReadonlySet<string>): HeaderBlock {
  // End of headers: the first empty line ("\n\n" or "\n\r\n"), or a message
  // that starts with an empty line (no headers at all).
  let end = -1;
  let bodyOffset = raw.length;
  let separator = true;
  if (raw[0] === NL) {
    end = 0;
    bodyOffset = 1;
  } else if (raw[0] === CR && raw[1] === NL) {
    end = 0;
    bodyOffset = 2;
  } else {
    let p = 0;
    for (;;) {
      const nl = raw.indexOf(NL, p);
      if (nl < 0) break;
      const next = nl + 1;
      if (raw[next] === NL) {
        end = next;
        bodyOffset = next + 1;
        break;
      }
      if (raw[next] === CR && raw[next + 1] === NL) {
        end = next;
        bodyOffset = next + 2;
        break;
      }
      p = next;
    }
    if (end < 0) {
      end = raw.length;
      separator = false;
    }
  }
  // Header bytes are ASCII by the RFC; raw 8-bit UTF-8 (seen from some
  // clients) decodes as UTF-8, anything else as latin1.
  const bytes = raw.subarray(0, end);
  const text = isUtf8(bytes) ? bytes.toString("utf8") : bytes.toString("latin1");
  const fields: HeaderField[] = [];
  let lineCount = 0;
  let cur: HeaderField | null = null;
  let skipping = false;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf("\n", start);
    if (nl < 0) nl = text.length;
    let lineEnd = nl;
    if (lineEnd > start && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    lineCount++;
    const lineStart = start;
    start = nl + 1;
    if (lineEnd === lineStart) continue;
    const c = text.charCodeAt(lineStart);
    if (c === 0x20 || c === 0x09) {
      if (cur && !skipping) cur.value += text.slice(lineStart, lineEnd);
      continue;
    }
    const colon = text.indexOf(":", lineStart);
    if (colon <= lineStart || colon >= lineEnd) {
      cur = null;
      continue;
    }
    const name = text.slice(lineStart, colon).toLowerCase();
    if (/\s/.test(name)) {
      cur = null;
      continue;
    }
    if (wanted && !wanted.has(name)) {
      skipping = true;
      continue;
    }
    skipping = false;
    cur = { name, value: text.slice(colon + 1, lineEnd) };
    fields.push(cur);
  }
  for (const f of fields) f.value = f.value.trim();
  return { fields, bodyOffset, lineCount: lineCount + (separator ? 1 : 0) };
}

/** The header fields readMailHeaders needs (pass to splitHeaderBlock). */
export const MAIL_HEADER_FIELDS: ReadonlySet<string> = new Set([
  "subject",
  "from",
  "to",
  "cc",
  "date",
  "message-id",
  "in-reply-to",
  "references",
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
]);

export function getHeader(fields: HeaderField[], name: string): string | undefined {
  for (const f of fields) if (f.name === name) return f.value;
  return undefined;
}

export function getHeaders(fields: HeaderField[], name: string): string[] {
  const out: string[] = [];
  for (const f of fields) if (f.name === name) out.push(f.value);
  return out;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=/g;

function wordBytes(enc: string, text: string): Buffer {
  if (enc === "b" || enc === "B") return Buffer.from(text, "base64");
  // Q encoding: "_" is a space, =XX a byte.
  const s = text.replace(/_/g, " ");
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0x3d && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(ch & 0xff);
  }
  return Buffer.from(out);
}

/**
 * Decode RFC 2047 encoded words. Whitespace between two adjacent encoded
 * words is dropped (RFC 2047 §6.2), and adjacent words in the same charset
 * are joined as bytes before decoding, because senders split multi-byte
 * characters across words.
 */
export function decodeWords(value: string, warnings?: string[]): string {
  if (!value.includes("=?")) return value;
  let out = "";
  let last = 0;
  let pendingCs = "";
  let pending: Buffer[] = [];
  const flush = () => {
    if (!pending.length) return;
    const d = decodeBytes(Buffer.concat(pending), pendingCs);
    if (d.fallback && warnings && !warnings.includes(d.fallback)) warnings.push(d.fallback);
    out += d.text;
    pending = [];
  };
  ENCODED_WORD.lastIndex = 0;
  for (let m = ENCODED_WORD.exec(value); m; m = ENCODED_WORD.exec(value)) {
    const between = value.slice(last, m.index);
    const adjacent = pending.length > 0 && /^\s*$/.test(between);
    const cs = m[1]!.replace(/\*.*$/, "").toLowerCase();
    // Stateful ISO-2022 words each end by switching back to ASCII; joined,
    // the decoder sees two escapes in a row and emits U+FFFD. Decode those
    // one word at a time.
    if (!adjacent || cs !== pendingCs || cs.startsWith("iso-2022")) {
      flush();
      if (!adjacent) out += between;
    }
    pendingCs = cs;
    pending.push(wordBytes(m[2]!, m[3]!));
    last = m.index + m[0].length;
  }
  flush();
  out += value.slice(last);
  return out;
}

/** Message-IDs in a header value, without angle brackets, in order. */
export function messageIds(value: string | undefined): string[] {
  if (!value) return [];
  const ids: string[] = [];
  const re = /<([^<>\s]+)>/g;
  for (let m = re.exec(value); m; m = re.exec(value)) ids.push(m[1]!);
  if (ids.length === 0) {
    // Some clients omit the brackets.
    for (const t of value.split(/[\s,]+/)) if (t.includes("@")) ids.push(t);
  }
  return ids;
}

export interface Address {
  name: string;
  email: string;
}

// `Name <user@host>`, `"Last, First" <user@host>` or a bare `user@host`, with
// nothing addressparser would have to think about (comments, groups, lists,
// escapes). Every message's From: is one of these; the corpus test checks the
// shortcut agrees with addressparser.
//
// Linear time: the unquoted name is one greedy class that stops only at "<"
// (its trailing spaces are trimmed afterwards). A lazy name followed by
// `\s*<` tried every split of a run of spaces: "a"+200k spaces+"x" in From:
// took 65 s.
const SIMPLE_ADDRESS = /^(?:"([^"\\]*)"\s*|([^"<>,;:@()\\]*))<([^<>\s@",;()]+@[^<>\s@",;()]+)>$|^([^<>\s@",;()]+@[^<>\s@",;()]+)$/;

/** A display name that only repeats the address ("hch@lst.de" <hch@lst.de>) is no name. */
function address(name: string, email: string): Address {
  const n = name.replace(/\s+/g, " ");
  return { name: n.toLowerCase() === email.toLowerCase() ? "" : n, email };
}

/** Parse an address list header (From, To, Cc); groups are flattened, names decoded. */
export function parseAddresses(values: string[], warnings?: string[]): Address[] {
  const out: Address[] = [];
  for (const v of values) {
    const m = SIMPLE_ADDRESS.exec(v);
    if (m) {
      const name = (m[1] ?? m[2] ?? "").trim();
      out.push(address(name.includes("=?") ? decodeWords(name, warnings).trim() : name, m[3] ?? m[4]!));
      continue;
    }
    let list;
    try {
      list = addressparser(v, { flatten: true });
    } catch {
      continue;
    }
    for (const a of list) {
      if (!("address" in a) || a.group) continue;
      out.push(address(decodeWords(a.name ?? "", warnings).trim(), (a.address ?? "").trim()));
    }
  }
  return out;
}

/** "Name <email>" (or just "email" when there is no name), the form patch tools print. */
export function formatAddress(a: Address): string {
  if (!a.name) return a.email;
  if (!a.email) return a.name;
  return `${a.name} <${a.email}>`;
}

/** Parse a Date header to ISO 8601; undefined when it cannot be parsed. */
export function parseDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // Comments such as "(PDT)" and a trailing "(UTC)" confuse Date.parse on some inputs.
  const cleaned = value.replace(/\([^)]*\)/g, " ").replace(/\s+/g, " ").trim();
  const t = Date.parse(cleaned);
  if (Number.isNaN(t)) return undefined;
  return new Date(t).toISOString();
}

export interface ContentType {
  /** Lower-case type/subtype, "text/plain" when absent. */
  type: string;
  /** Lower-case parameter names; values unquoted (RFC 2231 continuations and charsets decoded). */
  params: Record<string, string>;
}

/** Split a structured header value on ';' outside quotes. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '"') q = !q;
    if (ch === "\\" && q && i + 1 < value.length) {
      cur += ch + value[++i]!;
      continue;
    }
    if (ch === ";" && !q) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parse Content-Type / Content-Disposition style values. */
export function parseStructured(value: string | undefined, defaultType = "text/plain"): ContentType {
  if (!value) return { type: defaultType, params: {} };
  const [main, ...rest] = splitParams(value);
  const params: Record<string, string> = {};
  const continued: Record<string, { parts: string[]; encoded: boolean }> = {};
  for (const p of rest) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    let key = p.slice(0, eq).trim().toLowerCase();
    let val = p.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1).replace(/\\(.)/g, "$1");
    // RFC 2231: name*0*=utf-8''..., name*1*=..., name*=utf-8''...
    const m = /^([^*]+)\*(?:(\d+)\*?)?$/.exec(key);
    if (m && key.includes("*")) {
      const base = m[1]!;
      const encoded = key.endsWith("*");
      const idx = m[2] === undefined ? 0 : Number(m[2]);
      const c = (continued[base] ??= { parts: [], encoded: false });
      c.parts[idx] = val;
      if (encoded && idx === 0) c.encoded = true;
      continue;
    }
    if (!(key in params)) params[key] = decodeWords(val);
    key = "";
  }
  for (const [k, c] of Object.entries(continued)) {
    let joined = c.parts.join("");
    if (c.encoded) {
      const m = /^([^']*)'[^']*'(.*)$/.exec(joined);
      if (m) {
        try {
          const bytes = Buffer.from(m[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), "latin1");
          joined = decodeBytes(bytes, m[1] || "utf-8").text;
        } catch {
          /* keep raw */
        }
      }
    }
    params[k] = joined;
  }
  const type = (main ?? "").trim().toLowerCase() || defaultType;
  return { type, params };
}

/** The fields of a mail header a review needs, decoded. */
export interface MailHeaders {
  subject: string;
  messageId?: string | undefined;
  inReplyTo?: string | undefined;
  references: string[];
  from?: Person;
  /** Raw To:/Cc: values; see addressList (parsed on demand: replies never need them). */
  toRaw: string[];
  ccRaw: string[];
  date?: string;
  contentType: ContentType;
  /** Lower-case Content-Transfer-Encoding, "" when absent. */
  transferEncoding: string;
  /** Warnings from decoding (unknown charset in an encoded word …). */
  warnings: string[];
}

/** "Name <email>" strings of a raw To:/Cc: list. */
export function addressList(raw: string[]): string[] {
  return parseAddresses(raw).map((a) => formatAddress(a));
}

/**
 * Longest From: value read. One mailbox ("Name <user@host>", its name
 * perhaps RFC 2047 encoded) is far shorter; a longer value is a run of
 * whitespace (folded or not) or garbage, and is shortened or dropped.
 */
export const MAX_FROM_CHARS = 4096;

function capFrom(value: string, warnings: string[]): string {
  if (value.length <= MAX_FROM_CHARS) return value;
  const squeezed = value.replace(/\s+/g, " ");
  if (squeezed.length <= MAX_FROM_CHARS) return squeezed;
  warnings.push(`From: header of ${value.length} characters ignored (longer than ${MAX_FROM_CHARS})`);
  return "";
}

export function readMailHeaders(fields: HeaderField[]): MailHeaders {
  const warnings: string[] = [];
  const subjectRaw = getHeader(fields, "subject") ?? "";
  const subject = decodeWords(subjectRaw, warnings).replace(/\s+/g, " ").trim();
  const from = parseAddresses(getHeaders(fields, "from").map((v) => capFrom(v, warnings)).filter((v) => v !== ""), warnings)[0];
  const inReplyTo = messageIds(getHeader(fields, "in-reply-to"))[0];
  const references = messageIds(getHeaders(fields, "references").join(" "));
  const messageId = messageIds(getHeader(fields, "message-id"))[0];
  // Copies: these strings outlive the message (dedupe sets, reports); see ownString.ts.
  return {
    subject: ownString(subject),
    ...(messageId ? { messageId: ownString(messageId) } : {}),
    ...(inReplyTo ? { inReplyTo: ownString(inReplyTo) } : {}),
    references: references.map(ownString),
    ...(from ? { from: { name: ownString(from.name), email: ownString(from.email) } } : {}),
    toRaw: getHeaders(fields, "to").map(ownString),
    ccRaw: getHeaders(fields, "cc").map(ownString),
    date: parseDate(getHeader(fields, "date")),
    contentType: parseStructured(getHeader(fields, "content-type")),
    transferEncoding: (getHeader(fields, "content-transfer-encoding") ?? "").trim().toLowerCase(),
    warnings,
  };
}
