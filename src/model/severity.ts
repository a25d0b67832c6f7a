// Severity ranks, apart from the zod schemas of review.ts: the CLI, the
// reviewer and the renderers need them on every run, the schemas only where
// a document is validated (JSON output, the app), and zod's import is
// 30–65 ms of start-up.
import type { Severity } from "./review.js";

export const SEVERITY_RANK: Record<Severity, number> = { note: 1, warning: 2, error: 3 };
