#!/usr/bin/env node
// Scan the block-layer-heavy areas of a kernel tree, one `lockreview scan`
// per area (one process each, one at a time: the big areas need the whole
// machine), and write one TSV row per error or warning for triage
// (docs/triage-6.1.md explains the workflow). Per-area counts and timings
// go to stdout.
//
//   node scripts/triage/scan-areas.mjs [--root DIR] [--out FILE] [--json-dir DIR] [area…]
//
// --root      the kernel tree (default /work/trees/linux-source-6.1)
// --out       the TSV (default /tmp/lockreview-triage/scan-6.1.tsv; keep it outside the repo)
// --json-dir  also keep each area's JSON output there (for reading the traces)
// area…       only these areas (default: all of AREAS)
//
// Exit status 1 when an area could not be scanned or reported input errors
// (part of the tree went unreviewed), 2 for bad arguments.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SCAN_COLUMNS, areasComment, formatTsv, scanRows } from "./findings.mjs";

export const AREAS = [
  "drivers/block",
  "drivers/md",
  "drivers/nvme",
  "drivers/mtd",
  "drivers/mmc",
  "drivers/scsi",
  "drivers/s390/block",
  "drivers/cdrom",
  "drivers/usb/storage",
];

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const usage = "usage: scan-areas.mjs [--root DIR] [--out FILE] [--json-dir DIR] [area…]";

function parseArgs(argv) {
  const o = { root: "/work/trees/linux-source-6.1", out: "/tmp/lockreview-triage/scan-6.1.tsv", jsonDir: null, areas: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--root") o.root = value();
    else if (a === "--out") o.out = value();
    else if (a === "--json-dir") o.jsonDir = value();
    else if (a === "-h" || a === "--help") {
      console.log(usage);
      process.exit(0);
    } else if (a.startsWith("-")) fail(`unknown option ${a}`);
    else o.areas.push(a.replace(/\/+$/, ""));
  }
  if (!o.areas.length) o.areas = AREAS;
  o.root = resolve(o.root);
  o.out = resolve(o.out);
  if (!existsSync(join(o.root, "Makefile"))) fail(`--root ${o.root}: not a kernel tree (no Makefile)`);
  for (const a of o.areas) if (!existsSync(join(o.root, a)) || !statSync(join(o.root, a)).isDirectory()) fail(`area ${a}: no such directory under ${o.root}`);
  if (o.out.startsWith(repo + "/")) fail(`--out ${o.out}: inside the repository; write scan output elsewhere`);
  return o;
}

function fail(msg) {
  console.error(`scan-areas: ${msg}\n${usage}`);
  process.exit(2);
}

const o = parseArgs(process.argv.slice(2));
const rows = [];
let unreviewed = 0;
console.log(["area", "errors", "warnings", "notes", "input errors", "seconds"].join("\t"));
for (const area of o.areas) {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(repo, "bin/lockreview.js"), "scan", "--format", "json", "--fail-on", "none", "--show-notes", "--no-progress", join(o.root, area)],
    { cwd: repo, encoding: "utf8", maxBuffer: 1 << 30 },
  );
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    unreviewed++;
    console.log(`${area}\tscan failed (exit ${r.status ?? r.signal}): ${(r.stderr || "no JSON on stdout").trim().split("\n").slice(-3).join(" | ")}\t\t\t\t${secs}`);
    continue;
  }
  if (o.jsonDir) {
    mkdirSync(o.jsonDir, { recursive: true });
    writeFileSync(join(o.jsonDir, area.replaceAll("/", "_") + ".json"), r.stdout);
  }
  const count = { error: 0, warning: 0, note: 0 };
  for (const p of json.patches ?? []) for (const f of p.findings ?? []) count[f.severity]++;
  const errors = json.errors ?? [];
  if (errors.length) unreviewed++;
  console.log([area, count.error, count.warning, count.note, errors.length, secs].join("\t"));
  for (const e of errors) console.log(`  input error: ${e.source}: ${e.message}`);
  rows.push(...scanRows(area, json, o.root));
}
mkdirSync(dirname(o.out), { recursive: true });
writeFileSync(o.out, formatTsv(rows, SCAN_COLUMNS, [`lockreview scan of ${o.root}`, areasComment(o.areas)]));
console.log(`${rows.length} errors and warnings written to ${o.out}`);
process.exitCode = unreviewed ? 1 : 0;
