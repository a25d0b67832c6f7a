#!/usr/bin/env node
// Ingest throughput and memory, on the shared linux-raid corpus (3,124
// messages, 23 MB) and on a synthetic mailbox 10× its size, generated here
// into a temp dir (never committed) by lib/archive.mjs: the corpus ten times
// over with rewritten Message-IDs/References, subjects and diff paths, so
// nothing is deduplicated away or taken from the review cache.
//
// Two measurements per mailbox, each a fresh process, median of 3 runs:
//   cli     the real CLI: node bin/lockreview.js review --format json --no-progress <file>
//           (ingest + the current Reviewer + JSON output)
//   ingest  ingest alone (split, decode, classify, parse diffs), no review
// Peak RSS from /usr/bin/time -v when present, else process.resourceUsage().
// Results: a table on stdout and .bench/ingest.json.
import { execFileSync, spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createGunzip } from "node:zlib";
import { makeSyntheticArchive } from "./lib/archive.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CORPUS = join(ROOT, "..", "shared", "corpus", "linux-raid-2022.mbox.gz");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COPIES = Number(process.env.BENCH_COPIES ?? 10);

if (!existsSync(CORPUS)) {
  console.log(`bench/ingest: skipped: ${CORPUS} is absent (the shared corpus lives in ../shared)`);
  process.exit(0);
}
execFileSync(process.execPath, [join(ROOT, "scripts", "build-if-stale.mjs")], { cwd: ROOT, stdio: "inherit" });

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const tmp = mkdtempSync(join(tmpdir(), "lockreview-bench-"));

async function corpusFacts() {
  let messages = 0;
  let bytes = 0;
  let carry = "";
  for await (const chunk of createReadStream(CORPUS, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 18 }))) {
    bytes += chunk.length;
    const text = carry + chunk.toString("latin1");
    const lines = text.split("\n");
    carry = lines.pop();
    for (const l of lines) if (l.startsWith("From mboxrd@z ")) messages++;
  }
  if (carry.startsWith("From mboxrd@z ")) messages++;
  return { messages, bytes };
}

const INGEST_ONLY = `
const { resolveInputs, ingest, newStats } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "lib/src/ingest/index.js")).href)});
const stats = newStats();
for await (const ev of ingest(await resolveInputs([process.argv[1]]), {}, stats)) {}
process.stdout.write(JSON.stringify({ patches: stats.patches + stats.diffs, messages: stats.messages }));
`;

/** One timed run: { seconds, rssMB, patches, messages? }. */
function runOnce(kind, file) {
  const args =
    kind === "cli"
      ? [join(ROOT, "bin", "lockreview.js"), "review", "--format", "json", "--no-progress", file]
      : ["--input-type=module", "-e", INGEST_ONLY, file];
  const cmd = TIME ? TIME : process.execPath;
  const full = TIME ? ["-v", process.execPath, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, full, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env } });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // 2: the archive has mails that are not reviewable (a [PATCH] with no diff): counted, not a failure.
  if (r.status !== 0 && r.status !== 1 && r.status !== 2) throw new Error(`${kind} run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  let rssMB;
  let cpu;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (m) rssMB = Number(m[1]) / 1024;
  const u = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sy = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  if (u && sy) cpu = Number(u[1]) + Number(sy[1]);
  let patches;
  if (kind === "cli") patches = JSON.parse(r.stdout).patches.length;
  else patches = JSON.parse(r.stdout).patches;
  if (rssMB === undefined) {
    // No /usr/bin/time: ask a child for its own peak RSS.
    const probe = spawnSync(process.execPath, [...(kind === "cli" ? ["--input-type=module", "-e", `const {run}=await import(${JSON.stringify(pathToFileURL(join(ROOT, "lib/src/cli/main.js")).href)}); const o={write(){return true}}; await run(process.argv.slice(1),{stdout:o}); process.stderr.write("MAXRSS="+process.resourceUsage().maxRSS)`, "review", "--format", "json", "--no-progress", file] : args)], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
    const p = /MAXRSS=(\d+)/.exec(probe.stderr);
    rssMB = p ? Number(p[1]) / 1024 : NaN;
  }
  return { seconds, rssMB, patches, cpu };
}

function measure(kind, file, facts) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(runOnce(kind, file));
  const secs = runs.map((r) => r.seconds).sort((a, b) => a - b);
  const seconds = secs[Math.floor(secs.length / 2)];
  return {
    kind,
    seconds: +seconds.toFixed(3),
    messagesPerSec: Math.round(facts.messages / seconds),
    patchesPerSec: Math.round(runs[0].patches / seconds),
    mbPerSec: +(facts.bytes / 1e6 / seconds).toFixed(1),
    peakRssMB: Math.round(Math.max(...runs.map((r) => r.rssMB))),
    cpuSeconds: runs[0].cpu === undefined ? null : +Math.min(...runs.map((r) => r.cpu)).toFixed(2),
    patches: runs[0].patches,
  };
}

try {
  const synthetic = join(tmp, `synthetic-${COPIES}x.mbox.gz`);
  const t0 = Date.now();
  const [cf, sf] = [await corpusFacts(), await makeSyntheticArchive(synthetic, COPIES)];
  console.log(`generated ${synthetic} (${(statSync(synthetic).size / 1e6).toFixed(0)} MB gz, ${(sf.bytes / 1e6).toFixed(0)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const inputs = [
    { name: "corpus", file: CORPUS, facts: cf },
    { name: `synthetic ${COPIES}x`, file: synthetic, facts: sf },
  ];
  const rows = [];
  for (const inp of inputs) {
    for (const kind of ["ingest", "cli"]) {
      const m = measure(kind, inp.file, inp.facts);
      rows.push({ input: inp.name, messages: inp.facts.messages, mb: +(inp.facts.bytes / 1e6).toFixed(1), ...m });
    }
  }
  const head = ["input", "run", "messages", "MB", "seconds", "msg/s", "patches/s", "MB/s", "peak RSS MB", "CPU s"];
  const table = rows.map((r) => [r.input, r.kind, r.messages, r.mb, r.seconds, r.messagesPerSec, r.patchesPerSec, r.mbPerSec, r.peakRssMB, r.cpuSeconds ?? "-"].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const fmt = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  console.log(fmt(head));
  for (const t of table) console.log(fmt(t));
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    loadAverage: loadavg(),
    runs: RUNS,
    rssSource: TIME ? "/usr/bin/time -v" : "process.resourceUsage().maxRSS",
    command: "node bin/lockreview.js review --format json --no-progress <file>",
    rows,
  };
  mkdirSync(join(ROOT, ".bench"), { recursive: true });
  writeFileSync(join(ROOT, ".bench", "ingest.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(" ")} (other processes on the machine skew wall times)`);
  console.log("wrote .bench/ingest.json");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
