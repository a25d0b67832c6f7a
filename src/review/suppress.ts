// Inline suppression of a reviewed false positive, kernel-comment style, on
// the finding's line or the line above it:
//   /* lockreview: ignore lock-across-del-gendisk -- only called at module exit */
import type { SourceView } from "../context/source.js";
import type { DiffResult } from "./differential.js";

const MARK_HEAD = /lockreview:\s*ignore\s+([a-z0-9-]+)/;
/** Longest reason kept from a marker (the rest is cut with "…"); it is printed with every finding it silences. */
export const MAX_REASON_CHARS = 200;

/**
 * The rule id and reason of a `lockreview: ignore <id> [-- reason]` marker,
 * or null. Parsed by hand after the head: a lazy reason followed by `\s*`
 * and `*\/|$` tried every split of a run of spaces (200k spaces: 60 s, and in
 * the app that blocks the event loop while GitHub gives up after 10 s).
 */
export function parseMarker(line: string): { ruleId: string; reason: string } | null {
  const m = MARK_HEAD.exec(line);
  if (!m) return null;
  const rest = line.slice(m.index + m[0].length);
  const body = rest.trimStart();
  let reason = "";
  if (body.startsWith("--") && body.length < rest.length) {
    const text = body.slice(2);
    const close = text.indexOf("*/");
    reason = (close >= 0 ? text.slice(0, close) : text).trim();
  } else if (body !== "" && !body.startsWith("*/")) {
    return null; // something else follows the id: not a marker
  }
  if (reason.length > MAX_REASON_CHARS) reason = reason.slice(0, MAX_REASON_CHARS - 1) + "…";
  return { ruleId: m[1]!, reason };
}

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
        const hit = parseMarker(m.get(n) ?? "");
        if (hit && hit.ruleId === f.ruleId) {
          f.suppressed = hit.reason || "suppressed inline";
          break;
        }
      }
      if (f.suppressed) break;
    }
  }
  return diffs;
}
