// `--format terse` (`--terse`): one line per finding, for tools that run a
// checker per patch and read its output line by line — b4's
// `prep-perpatch-check-cmd`/`am-perpatch-check-cmd`, editors' quickfix lists:
//
//   drivers/block/xdev.c:53: ERROR: lock-across-del-gendisk: xdev_delete() holds …
//
// Like `checkpatch.pl --terse --no-summary --showfile`: no quoted line, no
// trace, no totals, nothing at all for a clean patch. b4 classifies a line by
// the words "ERROR:" / "WARNING:" / "CHECK:" in it, so notes are printed as
// CHECK (checkpatch's name for its lowest level), and findings the patch
// fixes are left out: they are good news, and b4 would count them as errors.
import type { Finding, Severity } from "../model/review.js";
import type { Formatter, FormatterOptions } from "./formatter.js";

const LEVEL: Record<Severity, string> = { error: "ERROR", warning: "WARNING", note: "CHECK" };

export function terseLine(f: Finding): string {
  const tags = [f.status === "existing" ? " [existing]" : "", f.suppressed ? ` [suppressed: ${f.suppressed}]` : ""].join("");
  const message = f.message.replace(/\s*\n\s*/g, " ");
  return `${f.file}:${f.line}: ${LEVEL[f.severity]}: ${f.ruleId}: ${message}${tags}`;
}

export function terseFormatter(opts: FormatterOptions): Formatter {
  return {
    patch(report) {
      const lines = report.findings.filter((f) => f.status !== "fixed").map(terseLine);
      if (lines.length) opts.write(lines.join("\n") + "\n");
    },
    error(err) {
      // Upper case like checkpatch: b4 counts "ERROR:" lines, and a patch that
      // could not be reviewed must not pass for a clean one.
      opts.write(`${err.source}: ERROR: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
    },
    end() {},
  };
}
