#!/usr/bin/env node
// Engine benchmark on real kernel code (Linux 6.1 from Debian's
// linux-source-6.1, unpacked at bench time):
//   1. whole-file analysis (C model + lock analysis) of the 20 largest files
//      of drivers/block, warm: median ms per 1,000 lines (target ≤ 30);
//   2. `lockreview scan`-style analysis of all of drivers/block, grouped
//      into drivers (target ≤ 10 s), with the rules.
// Figures go to .bench/engine.json.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureLinuxSource, linuxSourceMissing } from "../linux-src.mjs";

const lib = new URL("../../lib/", import.meta.url);
const missing = linuxSourceMissing();
if (missing) {
  console.log(`skipped: ${missing}`);
  process.exit(0);
}
const root = ensureLinuxSource(["drivers/block"]);
const { buildModel } = await import(new URL("src/cmodel/build.js", lib).href);
const { analyse } = await import(new URL("src/analysis/program.js", lib).href);
const { loadKernelModel } = await import(new URL("src/kernel/model.js", lib).href);
const { scanPaths } = await import(new URL("src/review/scan.js", lib).href);

const files = [];
const walk = (d) => {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.[ch]$/.test(e)) files.push({ path: p, size: statSync(p).size });
  }
};
walk(join(root, "drivers/block"));
const largest = files.sort((a, b) => b.size - a.size).slice(0, 20);
const kernel = loadKernelModel();

async function once(path, text) {
  const t0 = performance.now();
  const model = await buildModel({ path, text, context: "file" });
  const t1 = performance.now();
  analyse([{ model, context: "file" }], kernel);
  const t2 = performance.now();
  return { parse: t1 - t0, analyse: t2 - t1 };
}

const rows = [];
for (const f of largest) {
  const text = readFileSync(f.path, "utf8");
  const lines = text.split("\n").length;
  await once(f.path, text); // warm-up (wasm, JIT)
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await once(f.path, text));
  runs.sort((a, b) => a.parse + a.analyse - (b.parse + b.analyse));
  const m = runs[2];
  rows.push({ file: f.path.slice(root.length + 1), lines, parseMs: m.parse, analyseMs: m.analyse, msPerKloc: ((m.parse + m.analyse) / lines) * 1000 });
}
const perKloc = rows.map((r) => r.msPerKloc).sort((a, b) => a - b);
const median = perKloc[Math.floor(perKloc.length / 2)];

console.log("file".padEnd(40), "lines".padStart(6), "parse".padStart(8), "analyse".padStart(8), "ms/kloc".padStart(8));
for (const r of rows) {
  console.log(r.file.padEnd(40), String(r.lines).padStart(6), r.parseMs.toFixed(1).padStart(8), r.analyseMs.toFixed(1).padStart(8), r.msPerKloc.toFixed(1).padStart(8));
}
console.log(`median over the 20 largest files: ${median.toFixed(1)} ms per 1,000 lines (warm; target ≤ 30)`);

const totalLines = files.reduce((n, f) => n + readFileSync(f.path, "utf8").split("\n").length, 0);
const t0 = performance.now();
const scan = await scanPaths([join(root, "drivers/block")]);
const scanMs = performance.now() - t0;
const findings = scan.reports.reduce((n, r) => n + r.findings.length, 0);
console.log(`all of drivers/block (${files.length} files, ${totalLines} lines), grouped into drivers, rules included: ${(scanMs / 1000).toFixed(2)} s (target ≤ 10 s), ${findings} findings`);

mkdirSync(".bench", { recursive: true });
writeFileSync(".bench/engine.json", JSON.stringify({ date: new Date().toISOString(), medianMsPerKloc: median, largest: rows, drivesBlock: { files: files.length, lines: totalLines, seconds: scanMs / 1000, findings } }, null, 2) + "\n");
