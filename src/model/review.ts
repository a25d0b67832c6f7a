// The review output contract of DESIGN.md ("Output contract"), as a zod
// schema: the JSON renderer validates against it and so do the tests.
// Extend, don't break: new fields are optional.
import { z } from "zod";

export const SeveritySchema = z.enum(["error", "warning", "note"]);
export type Severity = z.infer<typeof SeveritySchema>;

export const StatusSchema = z.enum(["introduced", "fixed", "existing"]);
export type FindingStatus = z.infer<typeof StatusSchema>;

// tree: the patch applied to the given tree (offsets allowed); blob: the pre-image found by the
// diff's blob id or base-commit in the tree's repository; fuzzy: applied with fuzz; hybrid: the
// functions some hunks touch rebuilt from the diff, the rest from the tree; hunks: the diff alone;
// file: one whole file (scan).
export const ContextSchema = z.enum(["hunks", "file", "tree", "blob", "fuzzy", "hybrid"]);
export type ContextKind = z.infer<typeof ContextSchema>;

export const TraceStepSchema = z.object({
  file: z.string(),
  line: z.number().int().nonnegative(),
  function: z.string(),
  note: z.string(),
});
export type TraceStep = z.infer<typeof TraceStepSchema>;

export const ReferenceSchema = z.object({ title: z.string(), url: z.string() });
export type Reference = z.infer<typeof ReferenceSchema>;

export const FindingSchema = z.object({
  ruleId: z.string(),
  severity: SeveritySchema,
  status: StatusSchema,
  file: z.string(),
  line: z.number().int().nonnegative(),
  function: z.string(),
  context: ContextSchema,
  message: z.string(),
  trace: z.array(TraceStepSchema),
  references: z.array(ReferenceSchema),
  // Extensions (optional, additive).
  confidence: z.enum(["high", "medium", "low"]).optional(),
  /** Line-independent identity (rule, function, lock classes, call path). */
  fingerprint: z.string().optional(),
  /** lockdep-style "Possible unsafe locking scenario" table. */
  scenario: z.string().optional(),
  /** The fix shape that worked before. */
  fix: z.string().optional(),
  /** What the analysis could not see (hunks mode). */
  limitations: z.array(z.string()).optional(),
  /** Set when an inline `lockreview: ignore` comment silenced it. */
  suppressed: z.string().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

/** How one changed file of a patch was seen: which rung of the context ladder, and why. */
export const FileContextSchema = z.object({
  file: z.string(),
  context: ContextSchema,
  /** One line for the reader ("3 of 5 hunks applied with offset, 2 from the diff only"). */
  note: z.string(),
});
export type FileContext = z.infer<typeof FileContextSchema>;

export const PatchReportSchema = z.object({
  source: z.string(),
  messageId: z.string(),
  subject: z.string(),
  findings: z.array(FindingSchema),
  // Extensions.
  commit: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  /** Per changed C file: the context it was reviewed with (present when a tree was given). */
  contexts: z.array(FileContextSchema).optional(),
});
export type PatchReport = z.infer<typeof PatchReportSchema>;

export const ReviewSchema = z.object({
  tool: z.object({ name: z.literal("lockreview"), version: z.string() }),
  patches: z.array(PatchReportSchema),
  errors: z.array(z.object({ source: z.string(), message: z.string() })),
});
export type Review = z.infer<typeof ReviewSchema>;

export { SEVERITY_RANK } from "./severity.js";
