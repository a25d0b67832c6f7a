// Configuration shared by every mode (`.lockreview.yml`, `--config`, and
// `.github/lockreview.yml` for the GitHub app), validated with zod.
import { z } from "zod";
import { parseSize } from "../cmodel/limits.js";
import { KernelModelSchema } from "../kernel/schema.js";

/** A size in bytes: 4194304, or "4M", "512k". */
const SizeSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseSize(v);
  if (n === null) {
    ctx.addIssue({ code: "custom", message: `expected a size in bytes such as 4194304, "4M" or "512k" (got ${JSON.stringify(v)})` });
    return z.NEVER;
  }
  return n;
});

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
    /** Caps on the C one model is built from (cmodel/limits.ts); over them a file is reviewed from its hunks or not modelled. */
    limits: z
      .object({
        /** Largest view of one file (whole file, or its hunks), default 4M. */
        "c-model-bytes": SizeSchema.optional(),
        /** Longest line of C, default 64k. */
        "c-line-bytes": SizeSchema.optional(),
      })
      .strict()
      .optional(),
    /**
     * The tree mailed patches are reviewed against (`lockreview review`):
     * a maintainer's usual checkout. Relative to the configuration file;
     * `~/` is the home directory. `--tree` and $LOCKREVIEW_TREE override it.
     */
    tree: z.string().min(1).optional(),
    /** A repository with the objects for blob-id and base-commit look-ups (`--git-dir`). */
    "git-dir": z.string().min(1).optional(),
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
