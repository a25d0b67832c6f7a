// Configuration shared by every mode (`.lockreview.yml`, `--config`, and
// `.github/lockreview.yml` for the GitHub app), validated with zod.
import { z } from "zod";
import { KernelModelSchema } from "../kernel/schema.js";

const RuleSetting = z.enum(["error", "warning", "note", "off"]);

export const ConfigSchema = z
  .object({
    /** Per rule: off, or a severity that replaces the rule's own. */
    rules: z.record(z.string(), RuleSetting).default({}),
    /** Lowest severity that makes the exit status 1 (CLI) or fails the check run (app). */
    "fail-on": z.enum(["error", "warning", "note", "none"]).optional(),
    /** Show note-level findings (hidden by default). */
    "show-notes": z.boolean().optional(),
    paths: z
      .object({
        include: z.array(z.string()).default([]),
        exclude: z.array(z.string()).default([]),
      })
      .strict()
      .default({ include: [], exclude: [] }),
    /** Extra kernel-model rows: a driver's own wrappers (drbd_flush_workqueue …). */
    kernel: KernelModelSchema.partial().optional(),
    /** GitHub app settings (ignored by the CLI). */
    github: z
      .object({
        "request-changes": z.boolean().default(false),
        "fail-check-on-errors": z.boolean().default(true),
        drafts: z.boolean().default(false),
        "max-comments": z.number().int().min(0).max(30).default(30),
      })
      .strict()
      .partial()
      .optional(),
  })
  .strict();

export type LockreviewConfig = z.infer<typeof ConfigSchema>;

export { DEFAULT_CONFIG } from "./defaults.js";
