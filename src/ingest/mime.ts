// A small MIME structure scanner and the transfer decoders, for what
// mailparser does not tell us: mailparser silently accepts a multipart body
// with no closing boundary (a truncated message) and decodes bad base64 into
// garbage, and it unwraps format=flowed text (STACK.md P16), which corrupts
// patches. We find those cases here, before (or instead of) mailparser.
import { decodeBytes } from "./charset.js";
import { type ContentType, type HeaderField, getHeader, parseStructured, splitHeaderBlock } from "./headers.js";

/** A broken message: the text names what is wrong, the caller adds which message. */
export class MessageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MessageDecodeError";
  }
}

export interface MimePart {
  /** IMAP-style part number: "1", "1.2"; "" for the top level of a single-part message. */
  path: string;
  fields: HeaderField[];
  contentType: ContentType;
  transferEncoding: string;
  disposition?: ContentType;
  /** Raw, still transfer-encoded body. */
  body: Buffer;
  children?: MimePart[];
}

const MAX_DEPTH = 20;

function isBoundaryLine(line: Buffer, boundary: Buffer): "open" | "close" | null {
  if (line.length < boundary.length + 2 || line[0] !== 0x2d || line[1] !== 0x2d) return null;
  if (line.compare(boundary, 0, boundary.length, 2, 2 + boundary.length) !== 0) return null;
  let p = 2 + boundary.length;
  let kind: "open" | "close" = "open";
  if (line[p] === 0x2d && line[p + 1] === 0x2d) {
    kind = "close";
    p += 2;
  }
  // Only transport padding may follow.
  for (; p < line.length; p++) {
    const c = line[p];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return null;
  }
  return kind;
}

function splitMultipart(body: Buffer, boundaryStr: string, where: string): Buffer[] {
  const boundary = Buffer.from(boundaryStr, "latin1");
  const parts: Buffer[] = [];
  let partStart = -1;
  let closed = false;
  let pos = 0;
  while (pos < body.length) {
    let nl = body.indexOf(0x0a, pos);
    const end = nl < 0 ? body.length : nl + 1;
    const kind = body[pos] === 0x2d ? isBoundaryLine(body.subarray(pos, end), boundary) : null;
    if (kind) {
      if (partStart >= 0) {
        // The line break before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        let e = pos;
        if (e > partStart && body[e - 1] === 0x0a) e--;
        if (e > partStart && body[e - 1] === 0x0d) e--;
        parts.push(body.subarray(partStart, e));
      }
      if (kind === "close") {
        closed = true;
        break;
      }
      partStart = end;
    }
    if (nl < 0) break;
    pos = end;
  }
  if (partStart < 0) {
    throw new MessageDecodeError(`${where}: no "--${boundaryStr}" delimiter in the body (truncated or not MIME)`);
  }
  if (!closed) {
    throw new MessageDecodeError(`${where}: truncated MIME multipart: no closing boundary "--${boundaryStr}--"`);
  }
  return parts;
}

function describe(path: string, ct: ContentType): string {
  return path ? `part ${path} (${ct.type})` : ct.type;
}

/** Parse a message (or a part) into its MIME tree. Throws MessageDecodeError on a truncated multipart. */
export function parseMimeTree(raw: Buffer, path = "", depth = 0, fields?: HeaderField[], bodyOffset?: number): MimePart {
  if (!fields || bodyOffset === undefined) {
    const hb = splitHeaderBlock(raw);
    fields = hb.fields;
    bodyOffset = hb.bodyOffset;
  }
  const contentType = parseStructured(getHeader(fields, "content-type"));
  const cd = getHeader(fields, "content-disposition");
  const part: MimePart = {
    path,
    fields,
    contentType,
    transferEncoding: (getHeader(fields, "content-transfer-encoding") ?? "").trim().toLowerCase(),
    ...(cd ? { disposition: parseStructured(cd, "inline") } : {}),
    body: raw.subarray(bodyOffset),
  };
  if (contentType.type.startsWith("multipart/")) {
    if (depth >= MAX_DEPTH) throw new MessageDecodeError(`MIME nesting deeper than ${MAX_DEPTH} levels`);
    const boundary = contentType.params["boundary"];
    if (!boundary) throw new MessageDecodeError(`${describe(path, contentType)} without a boundary parameter`);
    const bodies = splitMultipart(part.body, boundary, describe(path, contentType));
    part.children = bodies.map((b, i) => parseMimeTree(b, path ? `${path}.${i + 1}` : String(i + 1), depth + 1));
  }
  return part;
}

export function* leafParts(p: MimePart): Generator<MimePart> {
  if (p.children) for (const c of p.children) yield* leafParts(c);
  else yield p;
}

const B64_CHAR = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") B64_CHAR[c.charCodeAt(0)] = 1;

/**
 * Decode base64, refusing what is not base64. Buffer.from(…, "base64") and
 * mailparser skip bad characters silently, which turns a damaged patch into
 * plausible-looking garbage; we would rather report the message.
 */
export function decodeBase64Strict(body: Buffer, where: string): Buffer {
  let n = 0;
  let pad = 0;
  let line = 1;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === 0x0a) {
      line++;
      continue;
    }
    if (c === 0x0d || c === 0x20 || c === 0x09) continue;
    if (c === 0x3d) {
      pad++;
      continue;
    }
    if (!B64_CHAR[c]) {
      const ch = c >= 0x21 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, "0")}`;
      throw new MessageDecodeError(`bad base64 in ${where}: invalid character ${ch} on line ${line}`);
    }
    if (pad) throw new MessageDecodeError(`bad base64 in ${where}: data after '=' padding on line ${line}`);
    n++;
  }
  if (pad > 2 || (n + pad) % 4 === 1 || (pad > 0 && (n + pad) % 4 !== 0)) {
    throw new MessageDecodeError(`bad base64 in ${where}: truncated (${n} base64 characters)`);
  }
  return Buffer.from(body.toString("latin1"), "base64");
}

/**
 * Quoted-printable, as mailparser (libqp) decodes it: trailing whitespace on
 * each line is transport padding and dropped, "=" at the end of a line is a
 * soft break, "=XX" a byte; anything else passes through. Verified equal to
 * mailparser on the 260 single-part QP messages of the linux-raid corpus.
 */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  const s = body.toString("latin1");
  const out: string[] = [];
  let start = 0;
  while (start <= s.length) {
    let nl = s.indexOf("\n", start);
    const last = nl < 0;
    if (last) nl = s.length;
    // Trailing CR and transport whitespace are not part of the line.
    let e = nl;
    while (e > start) {
      const c = s.charCodeAt(e - 1);
      if (c === 0x0d || c === 0x20 || c === 0x09) e--;
      else break;
    }
    let l = s.slice(start, e);
    let soft = false;
    if (l.endsWith("=")) {
      soft = true;
      l = l.slice(0, -1);
    }
    out.push(l.includes("=") ? l.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : l);
    if (last) break;
    if (!soft) out.push("\n");
    start = nl + 1;
  }
  return Buffer.from(out.join(""), "latin1");
}

/** Undo a Content-Transfer-Encoding. */
export function decodeTransfer(body: Buffer, cte: string, where: string): Buffer {
  switch (cte) {
    case "base64":
      return decodeBase64Strict(body, where);
    case "quoted-printable":
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

/**
 * Text of a format=flowed part read *without* RFC 3676 unwrapping (P16): a
 * patch line that ends in a space would otherwise be glued to the next one.
 * Space-stuffing is undone only when the part is evidently stuffed (every line
 * that starts with a space starts with two), because un-stuffing an unstuffed
 * diff would eat the space of every context line.
 */
export function rawFlowedText(text: string): string {
  const lines = text.split("\n");
  let stuffed = false;
  for (const l of lines) {
    const t = l.endsWith("\r") ? l.slice(0, -1) : l;
    if (t.startsWith("  ")) stuffed = true;
    else if (t.startsWith(" ")) return text; // a single leading space: not stuffed
  }
  if (!stuffed) return text;
  return lines.map((l) => (l.startsWith(" ") ? l.slice(1) : l)).join("\n");
}

export function isFlowed(ct: ContentType): boolean {
  return (ct.params["format"] ?? "").toLowerCase() === "flowed";
}

/** Decode a text leaf ourselves: transfer encoding, then charset (with fallback). */
export function decodeTextPart(part: MimePart, warnings: string[]): string {
  const where = describe(part.path, part.contentType);
  const bytes = decodeTransfer(part.body, part.transferEncoding, where);
  const d = decodeBytes(bytes, part.contentType.params["charset"]);
  if (d.fallback && !warnings.includes(d.fallback)) warnings.push(d.fallback);
  return d.text;
}

/** Content-Disposition says attachment (or a file name marks it as one). */
export function isAttachment(part: MimePart): boolean {
  if (part.disposition?.type === "attachment") return true;
  return false;
}

export function partFilename(part: MimePart): string | undefined {
  return part.disposition?.params["filename"] ?? part.contentType.params["name"];
}
