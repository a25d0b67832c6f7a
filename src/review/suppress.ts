// Inline suppression of a reviewed false positive, kernel-comment style, on
// the finding's line or the line above it:
//   /* lockreview: ignore lock-across-del-gendisk -- only called at module exit */
import type { SourceView } from "../context/source.js";
import type { DiffResult } from "./differential.js";

const MARK = /lockreview:\s*ignore\s+([a-z0-9-]+)(?:\s+--\s*(.*?))?\s*(?:\*\/|$)/;

/** Original-numbered lines of a view: line → text. */
function linesOf(view: SourceView): Map<number, string> {
  const rows = view.text.split("\n");
  const out = new Map<number, string>();
  rows.forEach((t, i) => {
    const n = view.lineMap ? view.lineMap[i] : i + 1;
    if (n) out.set(n, t);
  });
  return out;
}

export function applySuppressions(diffs: DiffResult[], views: SourceView[]): DiffResult[] {
  const cache = new Map<SourceView, Map<number, string>>();
  const lines = (v: SourceView) => {
    let m = cache.get(v);
    if (!m) cache.set(v, (m = linesOf(v)));
    return m;
  };
  for (const d of diffs) {
    const f = d.finding;
    // fixed findings point into the pre-image, others into the post-image.
    const candidates = views.filter((v) => v.path === f.file);
    for (const v of f.status === "fixed" ? candidates : [...candidates].reverse()) {
      const m = lines(v);
      for (const n of [f.line, f.line - 1]) {
        const hit = MARK.exec(m.get(n) ?? "");
        if (hit && hit[1] === f.ruleId) {
          f.suppressed = hit[2]?.trim() || "suppressed inline";
          break;
        }
      }
      if (f.suppressed) break;
    }
  }
  return diffs;
}
