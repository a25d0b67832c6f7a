#!/usr/bin/env node
// lockreview against its yardsticks, measured side by side in one run and
// printed as ratios (issue 15):
//   1. one mailed patch, cold: CPU of `lockreview review P` ÷ CPU of
//      `scripts/checkpatch.pl --no-tree P`, per pair of runs, median
//      (target ≤ 1.0), for two patches: a one-line loop.c patch made with
//      git format-patch, and a median-sized [PATCH] mail of the corpus;
//   2. the sendemail-validate hook on a one-patch series (a git checkout of
//      6.1's drivers/block; the patch is checked against its commit's
//      parent, as git send-email runs it): wall (target ≤ 0.3 s idle) and
//      CPU ÷ checkpatch's on the same patch;
//   3. a whole archive to JSON: messages per second against the floor of
//      mailparser + parse-diff alone on the same messages (every message
//      through simpleParser, parse-diff on its text), on the linux-raid 2022
//      corpus;
//   4. peak RSS of the whole process tree at 1× and 4× the corpus (target:
//      the same ± 10 %), and a 100,000-message archive (32× the corpus; target
//      ≤ 60 s wall, ≤ 300 MB). BENCH_QUICK=1 skips the 32× run.
// Synthetic archives are made at bench time (lib/archive.mjs), never kept.
// The kernel tree: /work/trees/linux-source-6.1 when present
// (LOCKREVIEW_LINUX_TREE), else Debian's tarball unpacked by
// scripts/linux-src.mjs. Figures go to .bench/ratios.json.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ensureLinuxSource } from "../linux-src.mjs";
import { CORPUS, makeSyntheticArchive, ROOT } from "./lib/archive.mjs";
import { measure, median } from "./lib/measure.mjs";

const PAIRS = Number(process.env.BENCH_PAIRS ?? 9);
const QUICK = !!process.env.BENCH_QUICK;
const BIN = join(ROOT, "bin", "lockreview.js");
const node = process.execPath;

execFileSync(node, [join(ROOT, "scripts", "build-if-stale.mjs")], { cwd: ROOT, stdio: "inherit" });

const treeDir = process.env.LOCKREVIEW_LINUX_TREE ?? "/work/trees/linux-source-6.1";
const linux = existsSync(join(treeDir, "scripts", "checkpatch.pl")) ? treeDir : ensureLinuxSource(["scripts", "drivers/block", "drivers/md"]);
if (!linux) console.log("skipped (checkpatch and the hook): no Linux 6.1 tree (apt-get install linux-source-6.1)");
if (!existsSync(CORPUS)) console.log(`skipped (archive): ${CORPUS} is absent (the shared corpus lives in ../shared)`);

const tmp = mkdtempSync(join(tmpdir(), "lockreview-bench-ratios-"));
const out = { date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), loadAverageStart: loadavg() };
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "-" : x.toFixed(d));

/** Paired runs of lockreview and checkpatch on one patch: per-pair CPU ratios. */
async function paired(label, lockreviewArgs, patch, cwd) {
  const rows = [];
  // One warm-up of each (the page cache, the code cache) before the pairs.
  await measure(node, [BIN, ...lockreviewArgs], { cwd });
  await measure("perl", [join(linux, "scripts", "checkpatch.pl"), "--no-tree", "-q", patch], { cwd: linux });
  for (let i = 0; i < PAIRS; i++) {
    const a = await measure(node, [BIN, ...lockreviewArgs], { cwd });
    const b = await measure("perl", [join(linux, "scripts", "checkpatch.pl"), "--no-tree", "-q", patch], { cwd: linux });
    if (a.status !== 0 && a.status !== 1) throw new Error(`${label}: lockreview failed (${a.status}): ${a.stderr}`);
    rows.push({ lrCpu: a.cpu, lrWall: a.seconds, cpCpu: b.cpu, cpWall: b.seconds });
  }
  const r = {
    label,
    lockreviewCpu: median(rows.map((x) => x.lrCpu)),
    lockreviewWall: median(rows.map((x) => x.lrWall)),
    checkpatchCpu: median(rows.map((x) => x.cpCpu)),
    checkpatchWall: median(rows.map((x) => x.cpWall)),
    cpuRatio: median(rows.map((x) => x.lrCpu / x.cpCpu)),
  };
  console.log(`${label.padEnd(44)} lockreview ${fmt(r.lockreviewCpu)} s CPU (${fmt(r.lockreviewWall)} s wall)   checkpatch ${fmt(r.checkpatchCpu)} s CPU   ratio ${fmt(r.cpuRatio)}×`);
  return r;
}

/** The median-sized [PATCH] mail of the corpus that changes a .c file, as one mbox file. */
function corpusPatch(file) {
  const text = gunzipSync(readFileSync(CORPUS)).toString("latin1");
  const msgs = text.split(/^(?=From mboxrd@z )/m).filter((m) => /^Subject: \[PATCH[^\n]*\n/im.test(m) && /^\+\+\+ b\/\S+\.c$/m.test(m));
  msgs.sort((a, b) => a.length - b.length);
  const m = msgs[Math.floor(msgs.length / 2)];
  writeFileSync(file, Buffer.from(m, "latin1"));
  return { bytes: m.length, subject: /^Subject: (.*)$/im.exec(m)[1] };
}

const FLOOR = `
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
const require = createRequire(${JSON.stringify(join(ROOT, "package.json"))});
const { simpleParser } = require("mailparser");
const parseDiff = require("parse-diff");
let buf = readFileSync(process.argv[1]);
if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
const text = buf.toString("latin1");
let messages = 0, patches = 0;
for (const m of text.split(/^From mboxrd@z [^\\n]*\\n/m)) {
  if (!m) continue;
  messages++;
  const mail = await simpleParser(Buffer.from(m.replace(/^>(>*From )/gm, "$1"), "latin1"));
  if (parseDiff(mail.text ?? "").length) patches++;
}
process.stdout.write(JSON.stringify({ messages, patches }));
`;

async function archive(file, messages, label) {
  const r = await measure(node, [BIN, "review", "--format", "json", "--no-progress", "--fail-on", "none", file], { stdout: "ignore" });
  // 2: some mails of the archive are not reviewable (a [PATCH] with no diff): reported in `errors`, the run is complete.
  if (r.status !== 0 && r.status !== 2) throw new Error(`${label}: review failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const row = { label, messages, seconds: r.seconds, cpu: r.cpu, peakRssMB: r.peakRssMB, perSecond: messages / r.seconds };
  console.log(`${label.padEnd(44)} ${String(messages).padStart(7)} messages  ${fmt(r.seconds, 1)} s wall  ${fmt(r.cpu, 1)} s CPU  ${Math.round(row.perSecond)} msg/s  peak RSS ${Math.round(r.peakRssMB)} MB`);
  return row;
}

try {
  if (linux) {
    console.log("\n-- one patch, cold (CPU, median of paired runs)");
    // A git checkout of drivers/block with one commit: loop.c flushes its
    // workqueue from ->release (a real wq-flush-under-open-mutex).
    const repo = join(tmp, "repo");
    mkdirSync(join(repo, "drivers"), { recursive: true });
    cpSync(join(linux, "drivers", "block"), join(repo, "drivers", "block"), { recursive: true });
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "Bench", GIT_AUTHOR_EMAIL: "bench@example.org", GIT_COMMITTER_NAME: "Bench", GIT_COMMITTER_EMAIL: "bench@example.org" };
    const git = (...a) => execFileSync("git", a, { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
    git("init", "-q", "-b", "master");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    const loop = join(repo, "drivers", "block", "loop.c");
    const at = "\tmutex_unlock(&lo->lo_mutex);\n}\n\nstatic void lo_free_disk";
    const src = readFileSync(loop, "utf8");
    if (!src.includes(at)) throw new Error("loop.c: the edit's anchor is not there");
    writeFileSync(loop, src.replace(at, "\tmutex_unlock(&lo->lo_mutex);\n\tflush_workqueue(lo->workqueue);\n}\n\nstatic void lo_free_disk"));
    git("commit", "-q", "-a", "-m", "loop: flush the workqueue on last close");
    const outDir = join(tmp, "outgoing");
    git("format-patch", "-q", "-o", outDir, "-1", "HEAD");
    const loopPatch = join(outDir, readdirSync(outDir)[0]);
    const mail = join(tmp, "one.mbox");
    const c = existsSync(CORPUS) ? corpusPatch(mail) : null;

    out.onePatch = [await paired("loop.c one-line patch (format-patch)", ["review", "--fail-on", "none", loopPatch], loopPatch, tmp)];
    if (c) out.onePatch.push(await paired(`corpus mail, median size (${(c.bytes / 1024).toFixed(0)} kB)`, ["review", "--fail-on", "none", mail], mail, tmp));
    if (c) {
      // The same 2022 linux-raid mail against the 6.1 release: a tree it was
      // not written for (the context ladder places its hunks; say which rung).
      const j = JSON.parse(execFileSync(node, [BIN, "review", "--format", "json", "--fail-on", "none", "--tree", linux, mail], { encoding: "utf8" }));
      const rungs = (j.patches ?? []).flatMap((p) => (p.contexts ?? []).map((x) => `${x.file} [${x.context}]`));
      out.onePatch.push({ ...(await paired("the same mail against the 6.1 tree (skew)", ["review", "--fail-on", "none", "--tree", linux, mail], mail, tmp)), rungs });
      console.log(`${"".padEnd(44)} ${rungs.join(", ") || "(no C file)"}`);
    }

    console.log("\n-- the sendemail-validate hook, one-patch series (against the commit's parent)");
    execFileSync(node, [BIN, "install-hook", "-C", repo], { env, stdio: "ignore" });
    const hook = join(repo, ".git", "hooks", "sendemail-validate");
    const runs = [];
    await measure(hook, [loopPatch], { cwd: repo, env });
    for (let i = 0; i < PAIRS; i++) {
      const h = await measure(hook, [loopPatch], { cwd: repo, env });
      if (h.status !== 1) throw new Error(`hook: expected the deadlock to reject the patch (exit 1), got ${h.status}: ${h.stderr}`);
      const cp = await measure("perl", [join(linux, "scripts", "checkpatch.pl"), "--no-tree", "-q", loopPatch], { cwd: linux });
      runs.push({ wall: h.seconds, cpu: h.cpu, cpCpu: cp.cpu });
    }
    out.hook = { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)), checkpatchCpu: median(runs.map((r) => r.cpCpu)), cpuRatio: median(runs.map((r) => r.cpu / r.cpCpu)) };
    console.log(`${"hook, loop.c patch (rejected: the deadlock)".padEnd(44)} ${fmt(out.hook.wall)} s wall (target ≤ 0.3 idle)  ${fmt(out.hook.cpu)} s CPU   checkpatch ${fmt(out.hook.checkpatchCpu)} s CPU   ratio ${fmt(out.hook.cpuRatio)}×`);
  }

  if (existsSync(CORPUS)) {
    console.log("\n-- whole archives to JSON (peak RSS: every process of the run)");
    const one = gunzipSync(readFileSync(CORPUS)).toString("latin1").split(/^From mboxrd@z /m).length - 1;
    const floor = await measure(node, ["--input-type=module", "-e", FLOOR, CORPUS]);
    if (floor.status !== 0) throw new Error(`floor failed: ${floor.stderr}`);
    const lr = await archive(CORPUS, one, "linux-raid 2022 (1×)");
    const floorRate = one / floor.seconds;
    out.archive = { lockreview: lr, floor: { seconds: floor.seconds, cpu: floor.cpu, perSecond: floorRate, ...JSON.parse(floor.stdout) }, rateRatio: lr.perSecond / floorRate };
    console.log(`${"floor: mailparser + parse-diff alone".padEnd(44)} ${String(one).padStart(7)} messages  ${fmt(floor.seconds, 1)} s wall  ${fmt(floor.cpu, 1)} s CPU  ${Math.round(floorRate)} msg/s`);
    console.log(`${"lockreview rate ÷ floor rate".padEnd(44)} ${fmt(out.archive.rateRatio)}×`);

    const four = join(tmp, "synthetic-4x.mbox.gz");
    const f4 = await makeSyntheticArchive(four, 4);
    const lr4 = await archive(four, f4.messages, "synthetic 4×");
    rmSync(four, { force: true });
    out.rss = { x1: lr.peakRssMB, x4: lr4.peakRssMB, ratio: lr4.peakRssMB / lr.peakRssMB };
    console.log(`${"peak RSS 4× ÷ 1×".padEnd(44)} ${fmt(out.rss.ratio)}× (target 0.9–1.1)`);

    if (!QUICK) {
      const big = join(tmp, "synthetic-32x.mbox.gz");
      const f32 = await makeSyntheticArchive(big, 32);
      out.big = await archive(big, f32.messages, "synthetic 32× (100k messages)");
      rmSync(big, { force: true });
      console.log(`${"100k messages: wall, peak RSS".padEnd(44)} ${fmt(out.big.seconds, 1)} s (target ≤ 60), ${Math.round(out.big.peakRssMB)} MB (target ≤ 300)`);
    }
  }
  out.loadAverageEnd = loadavg();
  console.log(`\nload average ${loadavg().map((x) => x.toFixed(2)).join(" ")} (other processes on the machine skew wall times; CPU ratios less so)`);
  mkdirSync(join(ROOT, ".bench"), { recursive: true });
  writeFileSync(join(ROOT, ".bench", "ratios.json"), JSON.stringify(out, null, 2) + "\n");
  console.log("wrote .bench/ratios.json");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
