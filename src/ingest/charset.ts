// Bytes → text for a declared MIME charset. Node's TextDecoder (full ICU)
// knows every charset seen on kernel lists: utf-8, us-ascii, iso-8859-*,
// windows-125x, gbk/gb2312/gb18030, iso-2022-jp, shift_jis, euc-kr, koi8-r,
// big5. An unknown name (the linux-raid 2022 archive has `charset="y"`) must
// not lose the patch: fall back to UTF-8 when the bytes are valid UTF-8, else
// ISO-8859-1 (every byte maps to a character), and report it.
import { isUtf8 } from "node:buffer";
import { TextDecoder } from "node:util";

export interface DecodedText {
  text: string;
  /** Set when the declared charset was unknown or absent-and-invalid: what we did instead. */
  fallback?: string;
}

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null;
    }
    decoders.set(label, d);
  }
  return d;
}

/** Normalise a charset label: lower case, no quotes, no RFC 2231 language suffix. */
export function normalizeCharset(cs: string | undefined): string {
  if (!cs) return "";
  return cs.trim().replace(/^["']|["']$/g, "").replace(/\*.*$/, "").toLowerCase();
}

/** True for labels whose decoding is plain UTF-8 (ASCII is a subset). */
export function isUtf8Label(cs: string): boolean {
  return cs === "" || cs === "utf-8" || cs === "utf8" || cs === "us-ascii" || cs === "ascii";
}

export function decodeBytes(buf: Buffer, charset: string | undefined): DecodedText {
  const cs = normalizeCharset(charset);
  if (isUtf8Label(cs)) return { text: buf.toString("utf8") };
  // WHATWG maps "iso-8859-1"/"latin1" to windows-1252; RFC 2046 means real
  // ISO-8859-1, which is what Buffer's latin1 decoder does (and iconv-lite,
  // hence mailparser).
  if (cs === "iso-8859-1" || cs === "latin1" || cs === "iso8859-1" || cs === "iso_8859-1") {
    return { text: buf.toString("latin1") };
  }
  const d = decoderFor(cs);
  if (d) return { text: d.decode(buf) };
  if (isUtf8(buf)) return { text: buf.toString("utf8"), fallback: `unknown charset "${cs}": decoded as UTF-8` };
  return { text: buf.toString("latin1"), fallback: `unknown charset "${cs}": decoded as ISO-8859-1` };
}

/** Whether we can decode this charset (for deciding fallbacks up front). */
export function knownCharset(charset: string | undefined): boolean {
  const cs = normalizeCharset(charset);
  return isUtf8Label(cs) || cs === "iso-8859-1" || cs === "latin1" || decoderFor(cs) !== null;
}
