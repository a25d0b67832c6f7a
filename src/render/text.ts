// `--format text`: checkpatch's layout, which kernel developers read daily.
//
//   fixtures/series/nbd-v2/0001-nbd-….patch: [PATCH v2 1/2] nbd: …
//   ERROR: lock-across-del-gendisk: nbd_index_mutex is held across del_gendisk()
//   #87: FILE: drivers/block/nbd.c:262:
//   +		nbd_dev_remove(nbd);
//        trace: drivers/block/nbd.c:250 nbd_put(): takes nbd_index_mutex
//        fix: …
//        see: <title> <url>
//
//   total: 1 errors, 0 warnings, 0 notes, 2 patches reviewed
//
// "#n" is the line of the quoted diff line in the patch input (the message as
// checkpatch numbers it), when ingest knows it.
import type { FileDiff, InputError, LineChange, Patch } from "../model/patch.js";
import type { Finding, PatchReport, Severity } from "../model/review.js";
import type { Formatter, FormatterOptions, RunSummary } from "./formatter.js";

const LABEL: Record<Severity, string> = { error: "ERROR", warning: "WARNING", note: "NOTE" };
const INDENT = "     ";

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** The diff line a finding points at: post-image for introduced/existing, pre-image for fixed. */
export function findDiffLine(patch: Patch | undefined, f: Finding): LineChange | undefined {
  if (!patch) return undefined;
  const oldSide = f.status === "fixed";
  const file: FileDiff | undefined =
    patch.files.find((x) => (oldSide ? x.oldPath : x.newPath) === f.file) ??
    patch.files.find((x) => x.newPath === f.file || x.oldPath === f.file);
  if (!file) return undefined;
  for (const h of file.hunks) {
    for (const c of h.changes) {
      if (oldSide ? c.oldLine === f.line && c.kind !== "add" : c.newLine === f.line && c.kind !== "del") return c;
    }
  }
  return undefined;
}

function marker(c: LineChange): string {
  return c.kind === "add" ? "+" : c.kind === "del" ? "-" : " ";
}

/** Render one finding as a checkpatch-style block (no trailing blank line). */
export function renderFinding(f: Finding, patch?: Patch, mode: FormatterOptions["mode"] = "review"): string {
  const out: string[] = [];
  const status = f.status === "introduced" || (mode === "scan" && f.status === "existing") ? "" : ` [${f.status}]`;
  const supp = f.suppressed ? ` [suppressed: ${f.suppressed}]` : "";
  out.push(`${LABEL[f.severity]}: ${f.ruleId}: ${f.message}${status}${supp}`);
  const c = findDiffLine(patch, f);
  const fn = f.function ? ` ${f.function}()` : "";
  const where = `FILE: ${f.file}:${f.line}:`;
  out.push(c?.patchLine !== undefined ? `#${c.patchLine}: ${where}${fn}` : `${where}${fn}`);
  if (c) out.push(`${marker(c)}${c.content}`);
  for (const t of f.trace) {
    out.push(`${INDENT}trace: ${t.file}:${t.line} ${t.function ? `${t.function}(): ` : ""}${t.note}`);
  }
  if (f.scenario) {
    out.push(`${INDENT}scenario:`);
    for (const l of f.scenario.replace(/\n+$/, "").split("\n")) out.push(`${INDENT}  ${l}`);
  }
  if (f.fix) {
    const [first, ...rest] = f.fix.replace(/\n+$/, "").split("\n");
    out.push(`${INDENT}fix: ${first}`);
    for (const l of rest) out.push(`${INDENT}     ${l}`);
  }
  for (const l of f.limitations ?? []) out.push(`${INDENT}limitation: ${l}`);
  if (f.context !== "hunks" || f.confidence) {
    const bits = [`context: ${f.context}`, ...(f.confidence ? [`confidence: ${f.confidence}`] : [])];
    out.push(`${INDENT}${bits.join(", ")}`);
  }
  for (const r of f.references) out.push(`${INDENT}see: ${r.title} <${r.url}>`);
  return out.join("\n");
}

export function textFormatter(opts: FormatterOptions): Formatter {
  const { write, quiet } = opts;
  return {
    patch(report: PatchReport, patch?: Patch) {
      const shown = report.findings;
      if (quiet && shown.length === 0) return;
      const head = opts.mode === "check" ? `${report.source} ${report.subject}` : report.subject ? `${report.source}: ${report.subject}` : `${report.source}:`;
      const blocks: string[] = [head];
      if (!quiet) for (const w of report.warnings ?? []) blocks.push(`${report.source}: warning: ${w}`);
      // Which rung of the context ladder each file was reviewed with (a tree was given).
      if (!quiet) for (const c of report.contexts ?? []) blocks.push(`context: ${c.file} [${c.context}]: ${c.note}`);
      for (const f of shown) blocks.push(renderFinding(f, patch, opts.mode) + "\n");
      write(blocks.join("\n") + "\n");
    },
    error(err: InputError) {
      write(`${err.source}: error: ${err.message}\n`);
    },
    end(s: RunSummary) {
      const problems = s.introduced.error + s.introduced.warning + s.introduced.note + s.errors;
      if (quiet && problems === 0) return;
      // Always plural, like checkpatch's "total: 0 errors, 1 warnings": scripts grep it.
      const i = s.introduced;
      const unit = s.scannedFiles !== undefined ? `${s.scannedFiles} files scanned` : opts.mode === "check" ? `${s.reviewed} ${s.reviewed === 1 ? "commit" : "commits"} checked` : `${s.reviewed} patches reviewed`;
      let line = `total: ${i.error} errors, ${i.warning} warnings, ${i.note} notes, ${unit}`;
      if (s.fixed) line += `, ${s.fixed} fixed`;
      if (s.errors) line += `, ${plural(s.errors, "input error")}`;
      const lines = [(s.reviewed ? "\n" : "") + line];
      if (!quiet && s.scannedFiles === undefined) {
        const skipped = [
          s.covers ? plural(s.covers, "cover letter") : "",
          s.replies ? plural(s.replies, "reply", "replies") : "",
          s.pulls ? plural(s.pulls, "pull request") : "",
          s.pings ? plural(s.pings, "ping") : "",
          s.pointers ? plural(s.pointers, "pointer to a branch", "pointers to branches") : "",
          s.other ? `${s.other} other` : "",
          s.duplicates ? plural(s.duplicates, "duplicate") : "",
          s.superseded ? `${s.superseded} older revision${s.superseded === 1 ? "" : "s"}` : "",
        ].filter(Boolean);
        if (skipped.length) lines.push(`not reviewed: ${skipped.join(", ")} (of ${plural(s.messages, "message")} read)`);
      }
      write(lines.join("\n") + "\n");
    },
  };
}
