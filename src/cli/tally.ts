// What review, check and scan do with each result: validate it, hand it to
// the formatter, count it, and decide the exit status. Nothing one patch
// does (a reviewer bug, a report that breaks the output contract, a reply
// that cannot be written) may cost another patch its report: each of those
// becomes one entry in `errors`, and the exit status says so.
import type { IngestStats } from "../ingest/index.js";
import type { InputError, Patch } from "../model/patch.js";
import { reportLooksValid, reportProblem } from "../model/reportCheck.js";
import type { PatchReport } from "../model/review.js";
import { SEVERITY_RANK } from "../model/severity.js";
import type { Formatter, RunSummary } from "../render/index.js";
import type { DiffResult } from "../review/differential.js";
import type { Reviewer } from "../review/pipeline.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREVIEWED, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";

export function newSummary(): RunSummary {
  return {
    reviewed: 0, introduced: { error: 0, warning: 0, note: 0 }, fixed: 0, errors: 0,
    messages: 0, covers: 0, replies: 0, other: 0, duplicates: 0, superseded: 0,
  };
}

/** How ingest classified the messages it read, for the footer ("not reviewed: 2 replies …"). */
export function addIngestStats(summary: RunSummary, stats: IngestStats): void {
  const { messages, covers, replies, pulls, pings, pointers, other, duplicates, superseded } = stats;
  Object.assign(summary, { messages, covers, replies, pulls, pings, pointers, other, duplicates, superseded });
}

export interface TallyOptions {
  /** Findings at or above this severity rank fail the run (exit 1). */
  rank: number;
  /** `scan`: every finding is `existing`, and those are what count. */
  countExisting?: boolean;
}

export class Tally {
  readonly summary: RunSummary = newSummary();
  /** A finding at or above --fail-on was reported. */
  failed = false;

  constructor(
    private readonly fmt: Formatter,
    private readonly opts: TallyOptions,
    private readonly io: CliIO,
  ) {}

  /** Review one patch; a reviewer that throws costs this patch only. */
  async review(reviewer: Reviewer, patch: Patch, opts?: Parameters<Reviewer["review"]>[1]): Promise<void> {
    let result;
    try {
      result = await reviewer.review(patch, opts);
    } catch (e) {
      this.failure(patch, e);
      return;
    }
    await this.record(patch, result);
  }

  failure(patch: Patch, e: unknown): void {
    if (this.io.env["LOCKREVIEW_DEBUG"]) this.io.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    this.error({ source: patch.source, message: `internal error while reviewing "${patch.subject}": ${(e as Error)?.message ?? e}` });
  }

  /**
   * One report: checked against the output contract on its own (a bad one is
   * one error, the others still print), then formatted and counted.
   */
  async record(patch: Patch | undefined, result: { report: PatchReport; errors: InputError[]; details: DiffResult[] }): Promise<void> {
    const { report } = result;
    const problem = reportLooksValid(report) ? null : await reportProblem(report);
    if (problem) {
      this.error({ source: report.source, message: `the report on "${report.subject}" breaks the output contract, left out: ${problem}` });
      for (const e of result.errors) this.error(e);
      return;
    }
    if (!this.opts.countExisting) this.summary.reviewed++;
    for (const f of report.findings) {
      if (f.status === "fixed") this.summary.fixed++;
      if (f.suppressed || f.status !== (this.opts.countExisting ? "existing" : "introduced")) continue;
      this.summary.introduced[f.severity]++;
      if (SEVERITY_RANK[f.severity] >= this.opts.rank) this.failed = true;
    }
    try {
      await this.fmt.patch(report, patch, result.details);
    } catch (e) {
      // A failure that ends the run on purpose (--send: the SMTP server is gone) goes on up.
      if (e instanceof UsageError) throw e;
      if (this.io.env["LOCKREVIEW_DEBUG"]) this.io.stderr.write(`${(e as Error)?.stack ?? e}\n`);
      this.error({ source: report.source, message: `could not write the output for "${report.subject}": ${(e as Error)?.message ?? e}` });
    }
    for (const e of result.errors) this.error(e);
  }

  error(e: InputError): void {
    this.summary.errors++;
    this.fmt.error(e);
  }

  /**
   * checkpatch's convention plus one: 0 clean, 1 a finding at or above
   * --fail-on, 2 when anything could not be read or reviewed (that wins: the
   * output is incomplete, whatever it found).
   */
  exitStatus(): number {
    if (this.summary.errors > 0) return EXIT_UNREVIEWED;
    return this.failed ? EXIT_FINDINGS : EXIT_OK;
  }
}
