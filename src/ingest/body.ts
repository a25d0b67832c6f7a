// Message body → text (+ patch attachments). Three routes:
//
// 1. Fast path (most list mail): a single text/plain part in 7bit/8bit/binary,
//    quoted-printable or base64, charset UTF-8/US-ASCII/absent, not
//    format=flowed. Its text is the body bytes (QP/base64-decoded) as UTF-8 —
//    byte-for-byte what mailparser returns (test/ingest/fastpath.test.ts checks
//    this on fixtures and on every such message of the linux-raid corpus).
// 2. Raw route, also on the main thread: single-part text/plain that is
//    format=flowed or has a charset nobody knows. We decode the part ourselves
//    (mailparser would unwrap flowed lines, P16; an unknown charset needs a
//    fallback), with a warning on the patch.
// 3. Everything else (multipart, other charsets): mailparser, after our own
//    structural checks (closing boundary, strict base64) so that broken
//    messages become errors instead of silently decoded garbage.
//
// Why the split: profiling the 3,124-message linux-raid corpus, mailparser ran
// at ~1,600 msg/s and its import alone costs ~170 ms; routes 1–2 take 98% of
// those messages at ~20× that speed, and route 3 (`decodeComplexBody`, pure:
// bytes in, plain data out) runs in a worker thread (bodyPool.ts), so the
// main thread never loads mailparser for a typical mailbox.
import { decodeBytes, isUtf8Label, knownCharset, normalizeCharset } from "./charset.js";
import type { MailHeaders } from "./headers.js";
import {
  MessageDecodeError,
  decodeBase64Strict,
  decodeQuotedPrintable,
  decodeTextPart,
  decodeTransfer,
  isAttachment,
  isFlowed,
  leafParts,
  parseMimeTree,
  partFilename,
  rawFlowedText,
  type MimePart,
} from "./mime.js";

export interface BodyAttachment {
  filename?: string;
  contentType: string;
  /** Decoded text (charset from the part, UTF-8 by default). */
  text: string;
}

export interface DecodedBody {
  /** The message text (commit message, and the patch when it is inline). */
  text: string;
  /** Text-like attachments that may carry a patch. */
  attachments: BodyAttachment[];
  warnings: string[];
  /** Which route decoded it (for tests and the benchmark). */
  via: "fast" | "raw" | "mailparser";
}

const FAST_CTE = new Set(["", "7bit", "8bit", "binary", "quoted-printable", "base64"]);

export const FLOWED_WARNING = "format=flowed body: read raw; kernel docs forbid flowed patches";

/** Whether the fast path applies (decided from the top-level headers alone). */
export function canDecodeFast(h: Pick<MailHeaders, "contentType" | "transferEncoding">): boolean {
  const ct = h.contentType;
  return (
    ct.type === "text/plain" &&
    FAST_CTE.has(h.transferEncoding) &&
    isUtf8Label(normalizeCharset(ct.params["charset"])) &&
    !isFlowed(ct)
  );
}

/** Route 1. Throws MessageDecodeError for bad base64. */
export function decodeFastBody(raw: Buffer, bodyOffset: number, transferEncoding: string): DecodedBody {
  let body = raw.subarray(bodyOffset);
  if (transferEncoding === "quoted-printable") body = decodeQuotedPrintable(body);
  else if (transferEncoding === "base64") body = decodeBase64Strict(body, "text/plain body");
  const text = body.toString("utf8");
  // mailparser gives CRLF line ends as LF (75 messages of the corpus are CRLF).
  return { text: text.includes("\r\n") ? text.replace(/\r\n/g, "\n") : text, attachments: [], warnings: [], via: "fast" };
}

/** Whether route 2 applies. */
export function canDecodeRaw(h: Pick<MailHeaders, "contentType" | "transferEncoding">): boolean {
  const ct = h.contentType;
  return ct.type === "text/plain" && FAST_CTE.has(h.transferEncoding) && (isFlowed(ct) || !knownCharset(ct.params["charset"]));
}

/** Route 2. Throws MessageDecodeError for bad base64. */
export function decodeRawBody(raw: Buffer, bodyOffset: number, h: Pick<MailHeaders, "contentType" | "transferEncoding">): DecodedBody {
  const warnings: string[] = [];
  const bytes = decodeTransfer(raw.subarray(bodyOffset), h.transferEncoding, "text/plain body");
  const flowed = isFlowed(h.contentType);
  if (flowed) warnings.push(FLOWED_WARNING);
  const d = decodeBytes(bytes, h.contentType.params["charset"]);
  if (d.fallback) warnings.push(d.fallback);
  return { text: flowed ? rawFlowedText(d.text) : d.text, attachments: [], warnings, via: "raw" };
}

// Attachments that can carry a patch: text/x-patch, text/x-diff, text/plain
// files, and application/octet-stream with a .patch/.diff name (seen on the
// linux-raid list: Gmail sends format-patch files that way).
const PATCH_TYPES = new Set(["text/x-patch", "text/x-diff", "text/plain", "text/patch", "text/diff", "application/x-patch", "application/x-diff"]);

export function isPatchCarrier(contentType: string, filename?: string): boolean {
  if (PATCH_TYPES.has(contentType)) return true;
  if (/\.(patch|diff)$/i.test(filename ?? "")) return true;
  return false;
}

type SimpleParser = typeof import("mailparser").simpleParser;
let simpleParserPromise: Promise<SimpleParser> | undefined;
// mailparser takes ~170 ms to import (html-to-text, linkify, tld tables): load
// it only when a message needs it.
function loadSimpleParser(): Promise<SimpleParser> {
  simpleParserPromise ??= import("mailparser").then((m) => m.simpleParser);
  return simpleParserPromise;
}

// mailparser's HTML/link work is of no use for patches and costs a third of its time.
const MAILPARSER_OPTIONS = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  checksumAlgo: false as const,
};

function validateLeaves(tree: MimePart, warnings: string[]): void {
  for (const leaf of leafParts(tree)) {
    const where = leaf.path ? `part ${leaf.path} (${leaf.contentType.type})` : leaf.contentType.type;
    if (leaf.transferEncoding === "base64") decodeBase64Strict(leaf.body, where);
    const cs = leaf.contentType.params["charset"];
    if (leaf.contentType.type.startsWith("text/") && cs !== undefined && !knownCharset(cs)) {
      const w = `unknown charset "${normalizeCharset(cs)}" in ${where}: decoded as UTF-8 or ISO-8859-1`;
      if (!warnings.includes(w)) warnings.push(w);
    }
  }
}

function needsOwnTextDecoding(tree: MimePart): boolean {
  for (const leaf of leafParts(tree)) {
    if (leaf.contentType.type !== "text/plain" || isAttachment(leaf)) continue;
    if (isFlowed(leaf.contentType)) return true;
    const cs = leaf.contentType.params["charset"];
    if (cs !== undefined && !knownCharset(cs)) return true;
  }
  return false;
}

/** Routes 2 and 3 (see the top of this file). Throws MessageDecodeError for broken messages. */
export async function decodeComplexBody(raw: Buffer): Promise<DecodedBody> {
  const warnings: string[] = [];
  const tree = parseMimeTree(raw);
  validateLeaves(tree, warnings);

  if (!tree.children) {
    if (isFlowed(tree.contentType) || needsOwnTextDecoding(tree)) {
      if (isFlowed(tree.contentType)) warnings.push(FLOWED_WARNING);
      const text = decodeTextPart(tree, warnings);
      return { text: isFlowed(tree.contentType) ? rawFlowedText(text) : text, attachments: [], warnings, via: "raw" };
    }
    if (!tree.contentType.type.startsWith("text/") && !isPatchCarrier(tree.contentType.type, partFilename(tree))) {
      // A single non-text part (a lone PGP blob, an image): nothing to review.
      return { text: "", attachments: [], warnings, via: "raw" };
    }
  }

  const simpleParser = await loadSimpleParser();
  let parsed;
  try {
    parsed = await simpleParser(raw, MAILPARSER_OPTIONS);
  } catch (e) {
    throw new MessageDecodeError(`cannot decode MIME: ${(e as Error).message}`);
  }
  let text = parsed.text ?? "";
  if (tree.children && needsOwnTextDecoding(tree)) {
    // Rebuild the text from the inline text/plain parts, read raw.
    const texts: string[] = [];
    let flowed = false;
    for (const leaf of leafParts(tree)) {
      if (leaf.contentType.type !== "text/plain" || isAttachment(leaf)) continue;
      const t = decodeTextPart(leaf, warnings);
      if (isFlowed(leaf.contentType)) {
        flowed = true;
        texts.push(rawFlowedText(t));
      } else texts.push(t);
    }
    if (flowed) warnings.push(FLOWED_WARNING);
    text = texts.join("\n");
  }
  const attachments: BodyAttachment[] = [];
  for (const a of parsed.attachments) {
    if (!isPatchCarrier(a.contentType, a.filename)) continue;
    const cs = (a.headers.get("content-type") as { params?: Record<string, string> } | undefined)?.params?.["charset"];
    const d = decodeBytes(a.content, cs);
    if (d.fallback && !warnings.includes(d.fallback)) warnings.push(d.fallback);
    attachments.push({ ...(a.filename ? { filename: a.filename } : {}), contentType: a.contentType, text: d.text });
  }
  return { text, attachments, warnings, via: "mailparser" };
}

export { MessageDecodeError };
