// Natural ordering of file names, so a `git format-patch -o dir` series reads
// in series order: 0000-cover-letter.patch, 0001-…, 0002-…, …, 0010-… (and
// "patch-2" before "patch-10" for hand-named files). Digit runs compare by
// value, everything else by code point: locale-independent, unlike
// Intl.Collator, so the order is the same on every machine.
const CHUNK = /(\d+)|(\D+)/g;

function chunks(s: string): string[] {
  return s.match(CHUNK) ?? [];
}

export function naturalCompare(a: string, b: string): number {
  const ca = chunks(a);
  const cb = chunks(b);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    const dx = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const dy = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (dx && dy) {
      // Compare by value without overflowing: strip leading zeros, then by length, then lexically.
      const tx = x.replace(/^0+(?=\d)/, "");
      const ty = y.replace(/^0+(?=\d)/, "");
      if (tx.length !== ty.length) return tx.length - ty.length;
      if (tx !== ty) return tx < ty ? -1 : 1;
      // Same value: fewer leading zeros first, for a total order.
      if (x.length !== y.length) return x.length - y.length;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
