// What every output format implements. Formats are streaming: `patch` is
// called as each patch's review completes (text prints at once; JSON collects
// the small reports and prints one object at the end), so a mailbox of any
// size never needs its patches kept in memory.
import type { InputError, Patch } from "../model/patch.js";
import type { PatchReport, Severity } from "../model/review.js";
import type { DiffResult } from "../review/differential.js";
import type { EmailOptions } from "./email.js";

export interface RunSummary {
  /** Patches handed to the reviewer. */
  reviewed: number;
  /** Introduced, unsuppressed findings by severity. */
  introduced: Record<Severity, number>;
  /** Findings this series fixes (status "fixed"). */
  fixed: number;
  errors: number;
  /** Messages read and how they were classified (for the text footer). */
  messages: number;
  covers: number;
  replies: number;
  other: number;
  /** Pull requests, pings quoting a patch, pointers to a branch: read, not reviewed. */
  pulls?: number;
  pings?: number;
  pointers?: number;
  duplicates: number;
  superseded: number;
  /** `lockreview scan`: files analysed (the footer counts files, not patches). */
  scannedFiles?: number;
}

export interface FormatterOptions {
  /** Write text to the output stream. */
  write: (s: string) => void;
  quiet: boolean;
  toolVersion: string;
  /**
   * `scan` reviews existing code: every finding is `existing`, so it is not
   * tagged. `check` reviews commits: a patch is headed `<short-sha> <subject>`
   * (as `git log --oneline`) and the total counts commits.
   */
  mode?: "review" | "scan" | "check";
  /** Diagnostics that must not go into the output stream (email writes a mailbox there); default stderr. */
  warn?: (s: string) => void;
  /** Base URL of lockreview's docs (--docs-url), for links in SARIF and reply footers. */
  docsUrl?: string;
  /** `--format email`: sender, date, destination (--from, --reply-dir, --send). */
  email?: EmailOptions;
}

export interface Formatter {
  /**
   * One reviewed patch, with the Patch it came from (for quoting diff lines;
   * absent for `scan`) and the rule data behind each finding (the reviewer's
   * question for reply mails, the lock chain …), in the order of report.findings.
   */
  patch(report: PatchReport, patch?: Patch, details?: DiffResult[]): void | Promise<void>;
  /** A broken message or input (an `errors` entry). */
  error(err: InputError): void;
  /** End of the run. (Formats that render or send mail are asynchronous: the CLI awaits both.) */
  end(summary: RunSummary): void | Promise<void>;
}

export type FormatterFactory = (opts: FormatterOptions) => Formatter;
