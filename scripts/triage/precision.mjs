#!/usr/bin/env node
// Join a fresh scan TSV (scripts/triage/scan-areas.mjs) with the committed
// verdicts and print the precision of errors + warnings per area,
// (real + likely-real) / triaged, the tool-error causes by count, the
// findings that have no verdict yet (triage only those after a model
// change) and the verdicts no finding matched any more.
//
//   node scripts/triage/precision.mjs [--verdicts FILE] [--format text|markdown] [SCAN_TSV]
//
// Defaults: SCAN_TSV /tmp/lockreview-triage/scan-6.1.tsv, verdicts
// docs/triage/verdicts-6.1.tsv. Exit status 1 when findings are
// untriaged, 2 for unreadable or malformed input.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SCAN_COLUMNS, VERDICT_COLUMNS, areasOf, checkVerdicts, parseTsv, precision } from "./findings.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const usage = "usage: precision.mjs [--verdicts FILE] [--format text|markdown] [SCAN_TSV]";

function fail(msg) {
  console.error(`precision: ${msg}\n${usage}`);
  process.exit(2);
}

const o = { scan: "/tmp/lockreview-triage/scan-6.1.tsv", verdicts: resolve(repo, "docs/triage/verdicts-6.1.tsv"), format: "text" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${a} needs a value`));
  if (a === "--verdicts") o.verdicts = value();
  else if (a === "--format") o.format = value();
  else if (a === "-h" || a === "--help") {
    console.log(usage);
    process.exit(0);
  } else if (a.startsWith("-")) fail(`unknown option ${a}`);
  else o.scan = a;
}
if (!["text", "markdown"].includes(o.format)) fail(`--format ${o.format}: expected text or markdown`);

function load(path, what, columns) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    fail(`${what} ${path}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  try {
    return { rows: parseTsv(text, path, columns), text };
  } catch (e) {
    fail(e.message);
  }
}

const scanFile = load(o.scan, "scan TSV", SCAN_COLUMNS);
const scan = scanFile.rows;
const verdicts = load(o.verdicts, "verdicts", VERDICT_COLUMNS).rows;
const problems = checkVerdicts(verdicts, o.verdicts);
if (problems.length) fail(problems.join("\n"));

const p = precision(scan, verdicts, areasOf(scanFile.text));
// The same join grouped by rule: which rules a model change should help.
const byRule = precision(scan.map((r) => ({ ...r, area: r.ruleId })), verdicts);
const pct = (x) => (x === null ? "-" : `${Math.round(x * 100)} %`);
const counts = ["findings", "real", "likely-real", "likely-safe", "tool-error", "untriaged", "precision"];
const row = (name, c) => [name, c.findings, c.real, c["likely-real"], c["likely-safe"], c["tool-error"], c.untriaged, pct(c.precision)];

function printTable(first, groups, total) {
  const cols = [first, ...counts];
  const table = [...groups.map((a) => row(a.area, a)), row("all", total)];
  if (o.format === "markdown") {
    console.log(`| ${cols.join(" | ")} |`);
    console.log(`|${cols.map((c, i) => (i ? "---:" : "---")).join("|")}|`);
    for (const r of table) console.log(`| ${r.join(" | ")} |`);
    return;
  }
  const w = cols.map((c, i) => Math.max(c.length, ...table.map((r) => String(r[i]).length)));
  const line = (r) => r.map((v, i) => (i ? String(v).padStart(w[i]) : String(v).padEnd(w[i]))).join("  ");
  console.log(line(cols));
  for (const r of table) console.log(line(r));
}

printTable("area", p.areas, p.total);
console.log("");
printTable("rule", [...byRule.areas].sort((a, b) => a.area.localeCompare(b.area)), byRule.total);

console.log(`\ntool-error causes (${p.total["tool-error"]}):`);
for (const [cause, n] of p.causes) console.log(`  ${String(n).padStart(4)}  ${cause}`);

if (p.untriaged.length) {
  console.log(`\n${p.untriaged.length} findings without a verdict (add rows to ${o.verdicts}):`);
  for (const r of p.untriaged) console.log(`  ${r.file}:${r.line} ${r.function} ${r.ruleId} [${r.key}] ${r.message}`);
}
if (p.stale.length) {
  console.log(`\n${p.stale.length} verdicts match no finding of this scan (fixed by a model change, or their key changed):`);
  for (const v of p.stale) console.log(`  ${v.file} ${v.function} ${v.ruleId} [${v.key}] was ${v.verdict}`);
}
process.exitCode = p.untriaged.length ? 1 : 0;
