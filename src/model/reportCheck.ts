// The per-report check of the output contract, without zod on the start
// path (every run with one patch would pay its import). TypeScript already
// fixes the shape of what the pipeline builds; what input can still break
// is the numbers: a hunk line beyond 2^53, `1e400`, a negative count. Only
// a report that fails this cheap check is validated with the zod schema,
// for a precise message.
import type { PatchReport } from "./review.js";

const okLine = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
const okText = (s: unknown) => typeof s === "string";

export function reportLooksValid(r: PatchReport): boolean {
  if (!okText(r.source) || !okText(r.messageId) || !okText(r.subject) || !Array.isArray(r.findings)) return false;
  for (const f of r.findings) {
    if (!okLine(f.line) || !okText(f.file) || !okText(f.function) || !okText(f.message) || !Array.isArray(f.trace) || !Array.isArray(f.references)) return false;
    for (const t of f.trace) if (!okLine(t.line) || !okText(t.file) || !okText(t.note)) return false;
  }
  return true;
}

/** The first problem with a report (zod, loaded only now), as one line, or null when it conforms. */
export async function reportProblem(r: PatchReport): Promise<string | null> {
  const { PatchReportSchema } = await import("./review.js");
  const checked = PatchReportSchema.safeParse(r);
  if (checked.success) return null;
  const issues = checked.error.issues;
  const issue = issues[0]!;
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  return `${path || "report"}: ${issue.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`;
}
