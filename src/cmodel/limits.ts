// How much C one model may be built from. tree-sitter keeps every node of a
// parse in memory and the builder walks them: a 50 MB patch took 150 s and
// 5.4 GB, one 5 MB line of C 12 s and 1.2 GB. The GitHub app already reads
// at most 1 MiB per file; these caps bound the CLI the same way. Over a cap,
// a whole-file view falls back to the patch's hunks, and what is still too
// big is not modelled (the review says so).

export interface CModelLimits {
  /** Largest text of one view (a file, or a patch's hunks of one file), in bytes. */
  maxBytes: number;
  /** Longest line, in bytes. */
  maxLineBytes: number;
}

/**
 * 4 MiB: the largest .c file in Linux 6.12's drivers/ is ~1.5 MB; only
 * generated register headers (amdgpu's *_sh_mask.h, up to 23 MB) are bigger.
 * 64 KiB per line: no line of drivers/ is longer than 20,000 characters.
 */
export const DEFAULT_C_MODEL_LIMITS: CModelLimits = { maxBytes: 4 * 1024 * 1024, maxLineBytes: 64 * 1024 };

/** "4 MiB", "64 KiB", "312 bytes". */
export function formatSize(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** "4M", "512k", "1048576" → bytes; null when it is not a size. */
export function parseSize(s: string | number): number | null {
  if (typeof s === "number") return Number.isSafeInteger(s) && s > 0 ? s : null;
  const m = /^\s*(\d{1,12})\s*([kKmMgG]?)(?:i?[bB])?\s*$/.exec(s);
  if (!m) return null;
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  const n = Number(m[1]) * unit;
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}

export interface OverLimit {
  /** "5.0 MiB of C is over the C model's 4 MiB cap", "line 12 is 5.0 MiB long, over …". */
  message: string;
  /** The same without the measure (the pre- and post-image of one file say it once): "over the C model's 4 MiB cap". */
  cap: string;
}

/**
 * Why `text` is over the limits, or null when it can be modelled. Linear:
 * one pass for the size, one over the line breaks.
 */
export function overCModelLimits(text: string, limits: CModelLimits = DEFAULT_C_MODEL_LIMITS, lineMap?: number[]): OverLimit | null {
  // UTF-16 length ≤ UTF-8 length ≤ 3 × UTF-16 length: measure bytes only when it can matter.
  if (text.length > limits.maxBytes || (text.length * 3 > limits.maxBytes && Buffer.byteLength(text, "utf8") > limits.maxBytes)) {
    const cap = `over the C model's ${formatSize(limits.maxBytes)} cap`;
    return { message: `${formatSize(Buffer.byteLength(text, "utf8"))} of C is ${cap}`, cap };
  }
  if (text.length * 3 <= limits.maxLineBytes) return null; // no line can be over
  let start = 0;
  for (let row = 1; start <= text.length; row++) {
    let nl = text.indexOf("\n", start);
    if (nl < 0) nl = text.length;
    const len = nl - start;
    if (len > limits.maxLineBytes || (len * 3 > limits.maxLineBytes && Buffer.byteLength(text.slice(start, nl), "utf8") > limits.maxLineBytes)) {
      const line = lineMap ? lineMap[row - 1] : row;
      const cap = `over the C model's ${formatSize(limits.maxLineBytes)} cap for one line`;
      return { message: `${line ? `line ${line}` : "a line"} is ${formatSize(Buffer.byteLength(text.slice(start, nl), "utf8"))} long, ${cap}`, cap: `a line ${cap}` };
    }
    start = nl + 1;
  }
  return null;
}
