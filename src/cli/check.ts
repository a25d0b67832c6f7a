// `lockreview check`: the pre-send check in a git checkout.
//
//   check [<range>]            each commit of the range, in order, against its
//                              parent's files (whole files and the driver's
//                              other files, read from git objects)
//   check --staged/--worktree  uncommitted changes against HEAD
//   check --format-patch F…    format-patch output against this checkout
//   check --hook F [H]         what the installed sendemail-validate hook runs
import { basename, resolve } from "node:path";
import { ConfigError } from "../config/load.js";
import { type BodyDecoder, createBodyDecoder, ingest, newStats, resolveInputs } from "../ingest/index.js";
import { createFormatter, FORMATTERS } from "../render/index.js";
import { createReviewer, type ReviewOptions, type Reviewer } from "../review/pipeline.js";
import { type CommitJob, defaultWorkers, reviewCommits } from "../git/checkPool.js";
import { defaultRange } from "../git/defaultRange.js";
import { commitPatches, workingPatch } from "../git/patches.js";
import { GitRepo, NotARepositoryError } from "../git/repo.js";
import { GitError } from "../git/run.js";
import { VERSION } from "../version.js";
import { OUTPUT_OPTIONS, failOnArg, outputFormat, parseCommandArgs } from "./args.js";
import type { Command } from "./commands.js";
import { type FailOn, failOnOf, loadCliConfig, threshold } from "./config.js";
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREVIEWED, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";
import { MAX_C_SIZE_HELP, exitStatusHelp } from "./help.js";
import { Progress } from "./progress.js";
import { Tally, addIngestStats } from "./tally.js";

const HINT = "see 'lockreview check --help'";

export function checkHelp(): string {
  return `Usage: lockreview check [options] [<revision-range>]
       lockreview check [options] --staged | --worktree
       lockreview check [options] --format-patch <file or directory>...

Check your own patches before you send them, in a git checkout (a kernel tree
or an out-of-tree driver). Each commit of the range is reviewed in order with
whole-file context: the files of the commit's parent, the commit's changes,
and the driver's other files (callbacks, ops tables, helpers), read from git.

Revision range (default, said on stderr: @{upstream}..HEAD; else the commits
after b4 prep's cover letter or a base-commit: line; else since the
merge-base with origin/HEAD; else HEAD~1..HEAD):
  A..B, A...B, X^!     as git rev-list reads them
  R                    a single revision means R..HEAD, as for git format-patch

Options:
      --staged         check what git commit would record (HEAD → index)
      --worktree       check every tracked change not yet committed (HEAD →
                       working tree); untracked files are not included
      --format-patch   the arguments are git format-patch output (files,
                       directories, - for stdin); a patch whose commit is in this
                       repository is checked against its parent, others against
                       the working tree
  -C DIR               run as if started in DIR
  -f, --format FMT     output format: ${Object.keys(FORMATTERS).join(", ")} (default: text)
      --terse          one line per finding (--format terse)
      --fail-on LEVEL  exit 1 when a finding at or above LEVEL is introduced:
                       error, warning, note or none (default: the configuration's
                       fail-on, else error)
      --config FILE    configuration file (default: .lockreview.yml at the top of
                       the checkout)
      --all            also report findings already there, and suppressed ones
      --show-notes     also show note-level findings
  -q, --quiet          print only commits with findings
      --no-progress    never show the progress line
${MAX_C_SIZE_HELP}      --hook PATCH [HEADERS]
                       what the installed sendemail-validate hook runs (see
                       lockreview install-hook): exits 1, with one line saying
                       why and how to send anyway, when a finding at or above
                       --fail-on is introduced or the patch could not be
                       reviewed
  -h, --help           print this help

Environment:
  LOCKREVIEW_WORKERS=N worker threads for ranges of 3 commits or more
                       (default: one per core beyond two, at most 3; 0: none)

${exitStatusHelp()}
Examples:
  lockreview check                      # the commits your branch adds
  lockreview check origin/master..      # or any range
  lockreview check --staged
  git format-patch -o outgoing/ -3 && lockreview check --format-patch outgoing/
  lockreview install-hook               # run it from git send-email
`;
}

interface CheckArgs {
  mode: "range" | "staged" | "worktree" | "format-patch" | "hook";
  positionals: string[];
  cwd: string;
  format: string;
  failOn?: FailOn;
  config?: string;
  all: boolean;
  showNotes?: boolean;
  quiet: boolean;
  progress: boolean;
  maxCSize?: string;
}

function parseCheckArgs(args: string[]): CheckArgs | "help" {
  const parsed = parseCommandArgs(
    args,
    {
      ...OUTPUT_OPTIONS,
      staged: { type: "boolean" },
      cached: { type: "boolean" },
      worktree: { type: "boolean" },
      "format-patch": { type: "boolean" },
      hook: { type: "boolean" },
      C: { type: "string", short: "C" },
    },
    HINT,
  );
  const v = parsed.values;
  if (v.help) return "help";
  const modes = (["staged", "worktree", "format-patch", "hook"] as const).filter((m) => v[m] || (m === "staged" && v.cached));
  if (modes.length > 1) throw new UsageError(`--${modes[0]} and --${modes[1]} do not go together`, HINT);
  const mode = (modes[0] as CheckArgs["mode"] | undefined) ?? "range";
  const pos = parsed.positionals;
  if ((mode === "staged" || mode === "worktree") && pos.length) throw new UsageError(`--${mode} takes no revision range (got '${pos[0]}')`, HINT);
  if (mode === "range" && pos.length > 1) throw new UsageError(`one revision range at most (got ${pos.map((p) => `'${p}'`).join(", ")}); for patch files use --format-patch`, HINT);
  if (mode === "format-patch" && !pos.length) throw new UsageError("--format-patch needs files or directories of git format-patch output", HINT);
  if (mode === "hook" && (pos.length < 1 || pos.length > 2)) throw new UsageError("--hook takes the patch file and, from newer git, the SMTP headers file", HINT);
  const format = outputFormat(v, HINT);
  const failOn = failOnArg(v["fail-on"], HINT);
  // As with git -C, paths on the command line are relative to DIR.
  const cwd = resolve(v.C ?? process.cwd());
  const fromCwd = (p: string) => (p === "-" ? p : resolve(cwd, p));
  return {
    mode,
    positionals: mode === "format-patch" || mode === "hook" ? pos.map(fromCwd) : pos,
    cwd,
    format,
    ...(failOn !== undefined ? { failOn } : {}),
    ...(v.config !== undefined ? { config: v.C !== undefined ? resolve(cwd, v.config) : v.config } : {}),
    all: !!v.all,
    ...(v["show-notes"] ? { showNotes: true } : {}),
    // The hook prints only what blocks (or warns about) a patch.
    quiet: !!v.quiet || format === "terse" || mode === "hook",
    progress: !v["no-progress"],
    ...(v["max-c-size"] !== undefined ? { maxCSize: v["max-c-size"] } : {}),
  };
}

async function openRepo(cwd: string): Promise<GitRepo> {
  try {
    return await GitRepo.open(cwd);
  } catch (e) {
    if (e instanceof NotARepositoryError) {
      throw new UsageError(`${cwd}: ${e.message}`, "lockreview check runs in a git checkout; for a plain directory use 'lockreview review --tree DIR'");
    }
    throw e;
  }
}

/** The commits to check, oldest first, and merges left out. */
async function rangeCommits(repo: GitRepo, given: string | undefined, io: CliIO, quiet: boolean) {
  let range = given;
  if (range === undefined) {
    if (!(await repo.resolveCommit("HEAD"))) throw new UsageError("no commits yet", "use 'lockreview check --staged' to check staged changes");
    // A range chosen for the user is always said, so "1 commit checked" is never a surprise.
    const chosen = await defaultRange(repo);
    range = chosen.range;
    io.stderr.write(`lockreview: checking ${range} (${chosen.why})\n`);
  } else if (range.startsWith("-")) {
    throw new UsageError(`bad revision range '${range}'`, HINT);
  } else if (!range.includes("..") && !/\^[!@-]/.test(range)) {
    range = `${range}..HEAD`; // git format-patch <since>
  }
  let commits;
  try {
    commits = await repo.commits(range);
  } catch (e) {
    if (e instanceof GitError) throw new UsageError(`bad revision range '${given ?? range}': ${e.message}`, HINT);
    throw e;
  }
  const merges = commits.filter((c) => c.parents.length > 1);
  if (merges.length && !quiet) {
    io.stderr.write(`lockreview: skipping ${merges.length} merge commit${merges.length === 1 ? "" : "s"} in ${range} (as git format-patch does)\n`);
  }
  return { range, commits: commits.filter((c) => c.parents.length <= 1) };
}

export async function runCheck(a: CheckArgs, io: CliIO): Promise<number> {
  const repo = await openRepo(a.cwd);
  let reviewerToClose: Reviewer | undefined;
  try {
    const loaded = await loadCliConfig(a.config, [repo.top], { maxCSize: a.maxCSize, hint: HINT });
    const failOn = a.failOn ?? failOnOf(undefined, loaded, HINT);
    const progress = new Progress(io.stderr, a.progress && !a.quiet && !!io.stderr.isTTY, io.now);
    const write = (s: string) => {
      progress.clear();
      io.stdout.write(s);
    };
    const fmt = await createFormatter(a.format, { write, warn: (s) => io.stderr.write(s), quiet: a.quiet, toolVersion: VERSION, ...(a.mode === "range" ? { mode: "check" as const } : {}) });
    const tally = new Tally(fmt, { rank: threshold(failOn) }, io);
    const reviewerOptions: ReviewOptions = {
      all: a.all,
      // The hook and --terse print only what a patch introduces.
      ...((a.format === "terse" || a.mode === "hook") && !a.all ? { fixed: false } : {}),
      ...(a.showNotes !== undefined ? { showNotes: a.showNotes } : {}),
      config: loaded.config,
      ...(loaded.source !== undefined ? { configSource: loaded.source } : {}),
    };
    const reviewer = (reviewerToClose = await io.createReviewer({
      // format-patch input whose commit is unknown here applies to the working tree.
      ...(a.mode === "format-patch" || a.mode === "hook" ? { tree: repo.top } : {}),
      ...reviewerOptions,
    }));

    if (a.mode === "range") {
      const { range, commits } = await rangeCommits(repo, a.positionals[0], io, a.quiet);
      if (!commits.length) {
        if (!a.quiet) io.stderr.write(`lockreview: no commits to check in ${range}\n`);
        return EXIT_OK;
      }
      const patches = await commitPatches(repo, commits.map((c) => c.sha), `check:${range}`);
      // Exact pre-image: the commit's parent (nothing before a root commit).
      const jobs: CommitJob[] = patches.map((patch, i) => ({ patch, parent: commits[i]!.parents[0] ?? null }));
      // Worker threads build their own Reviewer: only when ours is the real one (tests inject theirs).
      const workers = io.createReviewer === createReviewer ? defaultWorkers(jobs.length, io.env) : 0;
      if (workers) await weigh(repo, jobs);
      let done = 0;
      for await (const o of reviewCommits(repo, jobs, reviewer, { workers, reviewerOptions })) {
        progress.text(`checked ${++done} of ${jobs.length} commits`);
        if ("error" in o) tally.failure(o.job.patch, o.error);
        else await tally.record(o.job.patch, o.result);
      }
    } else if (a.mode === "staged" || a.mode === "worktree") {
      const head = await repo.resolveCommit("HEAD");
      const patch = await workingPatch(repo, a.mode, head !== null);
      if (!patch.files.length && !patch.warnings.length) {
        if (!a.quiet) io.stderr.write(`lockreview: no ${a.mode === "staged" ? "staged changes" : "changes in the working tree"} to check\n`);
        return EXIT_OK;
      }
      await tally.review(reviewer, patch, { provider: repo.at(head) });
    } else {
      await checkFormatPatch(a, repo, reviewer, tally, io);
    }
    progress.clear();
    await fmt.end(tally.summary);
    const status = tally.exitStatus();
    if (a.mode === "hook") return hookVerdict(status, io);
    return status;
  } finally {
    reviewerToClose?.close?.();
    repo.close();
  }
}

/** Expected cost of each job: the size of the C files it changes, before the change (one git call). */
async function weigh(repo: GitRepo, jobs: CommitJob[]): Promise<void> {
  const names: string[] = [];
  const owners: number[] = [];
  for (const [i, j] of jobs.entries()) {
    for (const f of j.patch.files) {
      if (!f.oldPath || !/\.[ch]$/.test(f.oldPath) || !j.parent) continue;
      names.push(`${j.parent}:${f.oldPath}`);
      owners.push(i);
    }
  }
  const sizes = await repo.sizes(names).catch(() => names.map(() => 0));
  for (const j of jobs) j.weight = 4096; // fixed costs, and new files
  sizes.forEach((s, k) => (jobs[owners[k]!]!.weight! += s));
}

/** How to send anyway, said by every refusal of the hook. */
export const HOOK_BYPASS = "to send it anyway, once: git send-email --no-validate";

/**
 * The hook's exit status and its one line: git send-email stops the whole
 * send on any non-zero status ("rejected by sendemail-validate hook"), and a
 * patch that could not be reviewed must stop it as surely as a finding.
 */
export function hookVerdict(status: number, io: CliIO): number {
  if (status === EXIT_OK) return EXIT_OK;
  const why =
    status === EXIT_FINDINGS
      ? "fix the finding, or silence a reviewed false positive with /* lockreview: ignore <rule-id> -- reason */ on its line"
      : "it could not be reviewed (the error above says why)";
  io.stderr.write(`lockreview: patch rejected by the sendemail-validate hook: ${why}; ${HOOK_BYPASS}\n`);
  return EXIT_FINDINGS;
}

/** "[2/3] " from git ≥ 2.46's GIT_SENDEMAIL_FILE_COUNTER/TOTAL, else "". */
function hookCounter(env: NodeJS.ProcessEnv): string {
  const n = env["GIT_SENDEMAIL_FILE_COUNTER"];
  const t = env["GIT_SENDEMAIL_FILE_TOTAL"];
  return n && t && /^\d+$/.test(n) && /^\d+$/.test(t) ? `[${n}/${t}] ` : "";
}

async function checkFormatPatch(a: CheckArgs, repo: GitRepo, reviewer: Reviewer, tally: Tally, io: CliIO): Promise<void> {
  // The hook's second argument (newer git) is the SMTP headers file: not a patch.
  const files = a.mode === "hook" ? a.positionals.slice(0, 1) : a.positionals;
  const inputs = await resolveInputs(files, { stdin: io.stdin, spoolStdin: true });
  const stats = newStats();
  const decoder: BodyDecoder = createBodyDecoder({ workers: 0 });
  const prefix = a.mode === "hook" ? hookCounter(io.env) : "";
  // commit id → its parent (null: a root commit), undefined when not in this repository.
  const parents = new Map<string, string | null | undefined>();
  try {
    for await (const ev of ingest(inputs, { seriesOrder: true, decoder }, stats)) {
      if (ev.type === "error") tally.error(ev.error);
      if (ev.type !== "patch") continue;
      const patch = ev.patch;
      if (patch.kind !== "patch" && patch.kind !== "diff") continue;
      if (a.mode === "hook") patch.source = `${prefix}${basename(patch.source)}`;
      // format-patch writes the commit id in its "From <sha> Mon Sep 17 …" line:
      // when that commit is here, its parent is the exact pre-image.
      let parent: string | null | undefined;
      if (patch.commit) {
        if (!parents.has(patch.commit)) parents.set(patch.commit, (await repo.commitWithParent(patch.commit))?.parent);
        parent = parents.get(patch.commit);
      }
      await tally.review(reviewer, patch, parent !== undefined ? { provider: repo.at(parent) } : {});
    }
  } finally {
    await decoder.close();
    for (const i of inputs) await i.cleanup?.();
  }
  addIngestStats(tally.summary, stats);
}

export const checkCommand: Command = {
  name: "check",
  summary: "check the commits of a branch (or staged changes) in a git checkout",
  help: checkHelp,
  async run(args, io) {
    const a = parseCheckArgs(args);
    if (a === "help") {
      io.stdout.write(checkHelp());
      return EXIT_OK;
    }
    if (a.mode !== "hook") return runCheck(a, io);
    try {
      return await runCheck(a, io);
    } catch (e) {
      // A bad configuration, a checkout git cannot read, a bug of ours: the
      // patch was not reviewed, so it is not sent either (exit 1, one line).
      if (io.env["LOCKREVIEW_DEBUG"]) io.stderr.write(`${(e as Error)?.stack ?? e}\n`);
      const problems = e instanceof ConfigError ? e.problems : [(e as Error)?.message ?? String(e)];
      for (const p of problems) io.stderr.write(`lockreview: ${p.replace(/\s*\n\s*/g, " ")}\n`);
      return hookVerdict(EXIT_UNREVIEWED, io);
    }
  },
};
