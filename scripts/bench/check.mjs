#!/usr/bin/env node
// `lockreview check` and the sendemail-validate hook on a kernel-sized git
// checkout: the whole of Debian's linux-source-6.1, committed once into a git
// repository kept in the cache (a few minutes, first run only), then ten
// commits editing ten drivers/block files (one of them adds a real
// wq-flush-under-open-mutex to loop's ->release).
//   1. `lockreview check HEAD~10..HEAD` wall time (target ≤ 2 s), with where
//      the time goes (node start, module load, git, tree-sitter, analysis);
//   2. the installed hook on one format-patch file (target ≤ 0.3 s), against
//      `scripts/checkpatch.pl --no-tree` on the same patch.
// Fresh processes, median of RUNS. Figures go to .bench/check.json.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ensureWholeLinuxSource, linuxSourceMissing } from "../linux-src.mjs";

const RUNS = 5;
const BASE_TAG = "lockreview-bench-base";
const pkg = new URL("../../", import.meta.url).pathname;
const BIN = join(pkg, "bin", "lockreview.js");
const lib = new URL("../../lib/", import.meta.url);

const missing = linuxSourceMissing();
if (missing) {
  console.log(`skipped: ${missing}`);
  process.exit(0);
}

// Nobody's git configuration but ours; identity and dates fixed.
const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Bench Example",
  GIT_AUTHOR_EMAIL: "bench@example.org",
  GIT_COMMITTER_NAME: "Bench Example",
  GIT_COMMITTER_EMAIL: "bench@example.org",
  GIT_AUTHOR_DATE: "2026-11-22T12:00:00Z",
  GIT_COMMITTER_DATE: "2026-11-22T12:00:00Z",
};
for (const k of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"]) delete env[k];

const t0 = performance.now();
const root = ensureWholeLinuxSource();
const unpackS = (performance.now() - t0) / 1000;
const git = (...args) => execFileSync("git", args, { cwd: root, env, encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });

// 1. The repository: the tree committed once, kept between runs.
let commitS = 0;
const hasBase = () => spawnSync("git", ["rev-parse", "--verify", "-q", `refs/tags/${BASE_TAG}`], { cwd: root, env }).status === 0 && existsSync(join(root, ".git"));
if (!hasBase()) {
  console.log(`committing ${root} into git once (a few minutes; cached afterwards) …`);
  rmSync(join(root, ".git"), { recursive: true, force: true });
  const c0 = performance.now();
  git("init", "-q", "-b", "master");
  git("config", "gc.auto", "0");
  git("config", "core.looseCompression", "1");
  // Debian's .gitignore ignores everything at the top level (its packaging repository): force.
  git("add", "-A", "-f", ".");
  git("commit", "-q", "-m", "Linux 6.1 (Debian linux-source-6.1)");
  git("tag", BASE_TAG);
  commitS = (performance.now() - c0) / 1000;
}
const trackedFiles = Number(git("ls-files").split("\n").length - 1);

// 2. Two series of ten commits, rebuilt from the base every run:
//    spread — ten different drivers/block files (every commit parses new files);
//    one driver — ten commits to nbd.c, the usual shape of a series (each
//    commit's pre-image is the previous commit's post-image: parsed once).
const SPREAD = [
  "drivers/block/nbd.c",
  "drivers/block/loop.c",
  "drivers/block/brd.c",
  "drivers/block/null_blk/main.c",
  "drivers/block/virtio_blk.c",
  "drivers/block/zram/zram_drv.c",
  "drivers/block/rbd.c",
  "drivers/block/ublk_drv.c",
  "drivers/block/xen-blkfront.c",
  "drivers/block/floppy.c",
];
/** Insert a comment at the top of the n-th function body (n from 0): the whole file is still re-analysed. */
function commentEdit(text, n, label) {
  let at = -1;
  for (let k = 0; k <= n; k++) at = text.indexOf("\n{\n", at + 1);
  return `${text.slice(0, at + 3)}\t/* ${label} */\n${text.slice(at + 3)}`;
}
function makeSeries(branch, edits) {
  git("checkout", "-q", "-f", "-B", branch, BASE_TAG);
  for (const [i, { file, edit }] of edits.entries()) {
    const path = join(root, file);
    writeFileSync(path, edit(readFileSync(path, "utf8"), i));
    git("commit", "-q", "-a", "-m", `${file.split("/").slice(-1)[0].replace(/\.c$/, "")}: bench edit ${i + 1}`);
  }
}
const spreadEdits = SPREAD.map((file) => ({
  file,
  edit: (text, i) => {
    if (!file.endsWith("loop.c")) return commentEdit(text, 0, `lockreview bench edit ${i + 1}`);
    // A real deadlock: flush the workqueue from ->release, under disk->open_mutex.
    const at = "\tmutex_unlock(&lo->lo_mutex);\n}\n\nstatic void lo_free_disk";
    if (!text.includes(at)) throw new Error("loop.c edit: anchor not found");
    return text.replace(at, "\tmutex_unlock(&lo->lo_mutex);\n\tflush_workqueue(lo->workqueue);\n}\n\nstatic void lo_free_disk");
  },
}));
const nbdEdits = Array.from({ length: 10 }, (_, k) => ({ file: "drivers/block/nbd.c", edit: (text, i) => commentEdit(text, 3 * k, `lockreview bench edit ${i + 1}`) }));

function time(cmd, args, opts = {}) {
  const s = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8", maxBuffer: 1 << 26, ...opts });
  return { ms: performance.now() - s, status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function median(fn) {
  const runs = Array.from({ length: RUNS }, fn).sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(RUNS / 2)];
}

// 3. lockreview check HEAD~10..HEAD on each series (one warm-up run for the OS cache).
function checkSeries(workers) {
  const args = [BIN, "check", "--format", "json", "--fail-on", "none", "HEAD~10..HEAD"];
  const e = workers === undefined ? env : { ...env, LOCKREVIEW_WORKERS: String(workers) };
  time(process.execPath, args, { env: e });
  const r = median(() => time(process.execPath, args, { env: e }));
  if (r.status !== 0) throw new Error(`check failed (${r.status}): ${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  return { ms: r.ms, commits: doc.patches.length, findings: doc.patches.flatMap((p) => p.findings.map((f) => `${p.subject}: ${f.ruleId} ${f.file}:${f.line}`)) };
}
makeSeries("lockreview-bench-nbd", nbdEdits);
const oneDriver = checkSeries();
const oneDriverSerial = checkSeries(0);
makeSeries("lockreview-bench", spreadEdits);
const check = checkSeries();
const checkSerial = checkSeries(0);
const { findings } = check;

// Where the time goes.
const nodeStart = median(() => time(process.execPath, ["-e", ""]));
const moduleLoad = median(() => time(process.execPath, [BIN, "--version"]));
const gitLog = median(() => time("git", ["log", "-p", "--no-walk=unsorted", "HEAD~9", "HEAD~8", "HEAD~7", "HEAD~6", "HEAD~5", "HEAD~4", "HEAD~3", "HEAD~2", "HEAD~1", "HEAD"]));
const inproc = await inProcess();

// 4. The hook on one format-patch file, and checkpatch on the same file.
const out = mkdtempSync(join(tmpdir(), "lockreview-bench-hook-"));
git("format-patch", "-q", "-o", out, "-1", "HEAD~8"); // the loop.c commit (2,330 lines; the deadlock)
const patch = join(out, readdirSync(out)[0]);
const smallDir = mkdtempSync(join(tmpdir(), "lockreview-bench-hook-"));
git("format-patch", "-q", "-o", smallDir, "-1", "HEAD~7"); // the brd.c commit (552 lines)
const small = join(smallDir, readdirSync(smallDir)[0]);
execFileSync(process.execPath, [BIN, "install-hook", "-C", root], { env, stdio: "ignore" });
const hookPath = git("rev-parse", "--git-path", "hooks").trim();
const hook = join(root, hookPath, "sendemail-validate");
time(hook, [patch]);
const hookRun = median(() => time(hook, [patch]));
const checkpatch = median(() => time("perl", ["scripts/checkpatch.pl", "--no-tree", patch]));
const hookSmall = median(() => time(hook, [small]));
const checkpatchSmall = median(() => time("perl", ["scripts/checkpatch.pl", "--no-tree", small]));
execFileSync(process.execPath, [BIN, "install-hook", "-C", root, "--uninstall"], { env, stdio: "ignore" });
rmSync(out, { recursive: true, force: true });
rmSync(smallDir, { recursive: true, force: true });

/** The same work in this process, timed by stage (lib/ modules). */
async function inProcess() {
  const m0 = performance.now();
  const { GitRepo } = await import(new URL("src/git/repo.js", lib).href);
  const { commitPatches } = await import(new URL("src/git/patches.js", lib).href);
  const { createReviewer } = await import(new URL("src/review/pipeline.js", lib).href);
  const { cParser } = await import(new URL("src/cmodel/parser.js", lib).href);
  const importMs = performance.now() - m0;
  const s = performance.now();
  const repo = await GitRepo.open(root);
  const commits = await repo.commits("HEAD~10..HEAD");
  const patches = await commitPatches(repo, commits.map((c) => c.sha));
  const gitMs = performance.now() - s;
  const p0 = performance.now();
  await cParser();
  const parserInitMs = performance.now() - p0;
  const reviewer = await createReviewer({});
  let readMs = 0;
  let filesRead = 0;
  let bytesRead = 0;
  const r0 = performance.now();
  for (const [i, patch] of patches.entries()) {
    const base = repo.at(commits[i].parents[0]);
    // Count and time what the review reads from git.
    const counting = {
      async read(p) {
        const t = performance.now();
        const text = await base.read(p);
        readMs += performance.now() - t;
        filesRead++;
        bytesRead += text?.length ?? 0;
        return text;
      },
      async list(d) {
        const t = performance.now();
        const names = await base.list(d);
        readMs += performance.now() - t;
        return names;
      },
      describe: () => base.describe(),
    };
    await reviewer.review(patch, { provider: counting });
  }
  const reviewMs = performance.now() - r0;
  repo.close();
  return { importMs, gitMs, parserInitMs, readMs, analysisMs: reviewMs - readMs, filesRead, bytesRead };
}

const f1 = (ms) => (ms / 1000).toFixed(2);
console.log(`tree: ${root} (${trackedFiles} files in git${commitS ? `; committed in ${commitS.toFixed(0)} s this run` : ", cached"}; unpack check ${unpackS.toFixed(1)} s)`);
console.log(`machine: ${cpus().length} cores, Node ${process.versions.node}, load average ${loadavg()[0].toFixed(2)}`);
console.log(`lockreview check HEAD~10..HEAD, ten files: ${f1(check.ms)} s wall (median of ${RUNS}; target ≤ 2 s; ${f1(checkSerial.ms)} s on one thread), ${check.commits} commits, ${findings.length} findings:`);
for (const f of findings) console.log(`  ${f}`);
console.log(`lockreview check HEAD~10..HEAD, ten commits to nbd.c: ${f1(oneDriver.ms)} s wall (${f1(oneDriverSerial.ms)} s on one thread), ${oneDriver.findings.length} findings`);
console.log(`  node start ${nodeStart.ms.toFixed(0)} ms; start + module load (lockreview --version) ${moduleLoad.ms.toFixed(0)} ms; git log -p of the 10 commits ${gitLog.ms.toFixed(0)} ms`);
console.log(
  `  in one process: imports ${inproc.importMs.toFixed(0)} ms, git (rev-parse, rev-list, log -p) ${inproc.gitMs.toFixed(0)} ms, tree-sitter init ${inproc.parserInitMs.toFixed(0)} ms, ` +
    `reads through cat-file ${inproc.readMs.toFixed(0)} ms (${inproc.filesRead} files, ${(inproc.bytesRead / 1024).toFixed(0)} KiB), parse + analysis + rules ${inproc.analysisMs.toFixed(0)} ms`,
);
console.log(`hook (sendemail-validate) on one format-patch file (loop.c): ${f1(hookRun.ms)} s (median of ${RUNS}; target ≤ 0.3 s), exit ${hookRun.status}`);
console.log(`scripts/checkpatch.pl --no-tree on the same patch: ${f1(checkpatch.ms)} s; hook / checkpatch = ${(hookRun.ms / checkpatch.ms).toFixed(2)}`);
console.log(`the same on the brd.c patch (552 lines): hook ${f1(hookSmall.ms)} s, checkpatch ${f1(checkpatchSmall.ms)} s, ratio ${(hookSmall.ms / checkpatchSmall.ms).toFixed(2)}`);

mkdirSync(".bench", { recursive: true });
writeFileSync(
  ".bench/check.json",
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.versions.node, loadavg: loadavg()[0] },
      tree: { files: trackedFiles, commitSeconds: commitS || null },
      check: { range: "HEAD~10..HEAD", commits: check.commits, seconds: check.ms / 1000, oneThreadSeconds: checkSerial.ms / 1000, targetSeconds: 2, findings },
      checkOneDriver: { range: "HEAD~10..HEAD", file: "drivers/block/nbd.c", commits: oneDriver.commits, seconds: oneDriver.ms / 1000, oneThreadSeconds: oneDriverSerial.ms / 1000, findings: oneDriver.findings },
      breakdown: {
        nodeStartMs: nodeStart.ms,
        startAndModuleLoadMs: moduleLoad.ms,
        gitLogMs: gitLog.ms,
        inProcess: inproc,
      },
      hook: { file: "drivers/block/loop.c", seconds: hookRun.ms / 1000, targetSeconds: 0.3, exit: hookRun.status },
      checkpatch: { seconds: checkpatch.ms / 1000, ratio: hookRun.ms / checkpatch.ms },
      hookSmall: { file: "drivers/block/brd.c", seconds: hookSmall.ms / 1000, checkpatchSeconds: checkpatchSmall.ms / 1000, ratio: hookSmall.ms / checkpatchSmall.ms },
    },
    null,
    2,
  ) + "\n",
);
