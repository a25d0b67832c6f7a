// `lockreview review`: inputs → ingest → Reviewer → formatter.
//
// Streaming: each patch goes to the Reviewer as soon as ingest has it and
// only the small PatchReport is kept (by the JSON formatter); the text
// formatter prints and forgets. With --tree (and --latest) ingest buffers
// per series and hands patches out in series order.
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import type { LoadedConfig } from "../config/load.js";
import { type BodyDecoder, createBodyDecoder, ingest, newStats, resolveInputs, type ResolvedInput } from "../ingest/index.js";
import { planWasmTier } from "../cmodel/wasmTier.js";
import { capYoungGeneration, planHeap } from "../runtime/heapPolicy.js";
import type { InputError, Patch } from "../model/patch.js";
import { createFormatter } from "../render/index.js";
import { EMAIL_OPTIONS, emailArgs, emailOptions, type EmailArgs } from "./emailArgs.js";
import { VERSION } from "../version.js";
import { OUTPUT_OPTIONS, failOnArg, outputFormat, parseCommandArgs } from "./args.js";
import type { Command } from "./commands.js";
import { type FailOn, failOnOf, loadCliConfig, threshold as thresholdOf } from "./config.js";
import { EXIT_OK, UsageError } from "./errors.js";
import { reviewHelp } from "./help.js";
import { type CliIO, drained } from "./io.js";
import { Progress } from "./progress.js";
import { Tally, addIngestStats } from "./tally.js";
import { createReviewer, type ReviewOptions, type ReviewResult, type Reviewer } from "../review/pipeline.js";
import { cachingReviewer } from "../review/reviewCache.js";
import { ReviewPool, reviewJobs } from "../review/reviewPool.js";

type Pending = { type: "error"; error: InputError } | { type: "patch"; patch: Patch; result: Promise<ReviewResult> };

export interface ReviewArgs {
  inputs: string[];
  format: string;
  /** `--fail-on`; when absent, the configuration's `fail-on`, else error. */
  failOn?: FailOn;
  latest: boolean;
  all: boolean;
  tree?: string;
  gitDir?: string;
  quiet: boolean;
  progress: boolean;
  /** `--show-notes`; when absent, the configuration's `show-notes`. */
  showNotes?: boolean;
  /** `--config FILE`. */
  config?: string;
  /** `--max-c-size SIZE`. */
  maxCSize?: string;
  /** --format email / sarif options (--from, --reply-dir, --send, --docs-url …). */
  email: EmailArgs;
}

const HINT = "see 'lockreview review --help'";

export function parseReviewArgs(args: string[]): ReviewArgs | "help" | "version" {
  const parsed = parseCommandArgs(
    args,
    { ...OUTPUT_OPTIONS, latest: { type: "boolean" }, tree: { type: "string" }, "git-dir": { type: "string" }, version: { type: "boolean" }, ...EMAIL_OPTIONS },
    HINT,
  );
  const v = parsed.values;
  if (v.help) return "help";
  if (v.version) return "version";
  const format = outputFormat(v, HINT);
  const failOn = failOnArg(v["fail-on"], HINT);
  const email = emailArgs(v, format, HINT);
  if (parsed.positionals.length === 0) throw new UsageError("no input given (a mailbox, .eml, .patch, diff, directory or -)", HINT);
  for (const opt of ["tree", "git-dir"] as const) {
    const dir = v[opt];
    if (dir !== undefined && !isDirectory(dir)) throw new UsageError(`--${opt} '${dir}' is not a directory`, HINT);
  }
  return {
    inputs: parsed.positionals,
    format,
    ...(failOn !== undefined ? { failOn } : {}),
    latest: !!v.latest,
    all: !!v.all,
    ...(v.tree !== undefined ? { tree: v.tree } : {}),
    ...(v["git-dir"] !== undefined ? { gitDir: v["git-dir"] } : {}),
    // --terse is for tools reading the output line by line: findings only.
    quiet: !!v.quiet || format === "terse",
    progress: !v["no-progress"],
    ...(v["show-notes"] ? { showNotes: true } : {}),
    ...(v.config !== undefined ? { config: v.config } : {}),
    ...(v["max-c-size"] !== undefined ? { maxCSize: v["max-c-size"] } : {}),
    email,
  };
}

/**
 * Body decoding runs in-process unless LOCKREVIEW_WORKERS=N asks for a worker
 * pool. Measured on the 2-core reference machine (linux-raid corpus, whole
 * CLI): the main thread plus V8's GC and zlib threads already keep both cores
 * busy; with mailparser in one worker the run took 1.13–1.21 s against
 * 1.05–1.16 s in-process, and 10–30 MB more RSS. Only 69 of 3,124 messages
 * need mailparser once the fast and raw routes take the rest.
 */
function decoderFor(io: CliIO): BodyDecoder {
  const n = Number(io.env["LOCKREVIEW_WORKERS"] ?? 0);
  return createBodyDecoder({ workers: Number.isFinite(n) && n > 0 ? Math.floor(n) : 0 });
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** A configured path: `~/` is home, relative paths are relative to the configuration file. */
function configuredPath(p: string, root: string | undefined, env: CliIO["env"]): string {
  if (p === "~" || p.startsWith("~/")) return join(env["HOME"] ?? homedir(), p.slice(2));
  return isAbsolute(p) || !root ? p : resolvePath(root, p);
}

/**
 * The tree to review against: --tree, else $LOCKREVIEW_TREE, else the
 * configuration's `tree:` (a maintainer sets it once for their checkout).
 */
function treeOf(a: ReviewArgs, loaded: LoadedConfig, env: CliIO["env"]): { tree?: string; gitDir?: string } {
  const tree = a.tree ?? (env["LOCKREVIEW_TREE"] || undefined) ?? (loaded.config.tree ? configuredPath(loaded.config.tree, loaded.root, env) : undefined);
  const gitDir = a.gitDir ?? (loaded.config["git-dir"] ? configuredPath(loaded.config["git-dir"], loaded.root, env) : undefined);
  const where = (p: string) => (p === a.tree ? "--tree" : p === env["LOCKREVIEW_TREE"] ? "$LOCKREVIEW_TREE" : `tree: in ${loaded.source}`);
  if (tree !== undefined && !isDirectory(tree)) throw new UsageError(`${where(tree)} '${tree}' is not a directory`, HINT);
  if (gitDir !== undefined && !isDirectory(gitDir)) throw new UsageError(`git-dir '${gitDir}' is not a directory`, HINT);
  return { ...(tree !== undefined ? { tree } : {}), ...(gitDir !== undefined ? { gitDir } : {}) };
}

export async function runReview(args: ReviewArgs, io: CliIO): Promise<number> {
  // .lockreview.yml of the tree the series applies to, else of the checkout
  // we are in, else beside the first input, else ~/.lockreview.yml (where a
  // maintainer sets `tree:` once).
  const home = io.env["HOME"];
  const startDirs = [
    ...(args.tree !== undefined ? [args.tree] : []), process.cwd(), ...args.inputs.filter((i) => i !== "-").slice(0, 1).map((i) => dirname(i)),
    ...(home ? [home] : []),
  ];
  const loaded = await loadCliConfig(args.config, startDirs, { maxCSize: args.maxCSize, hint: HINT });
  const a: ReviewArgs = { ...args, ...treeOf(args, loaded, io.env) };
  const failOn = a.failOn ?? failOnOf(undefined, loaded, HINT);
  const twoPass = a.latest || a.tree !== undefined || a.gitDir !== undefined;
  const inputs: ResolvedInput[] = await resolveInputs(a.inputs, { stdin: io.stdin, spoolStdin: twoPass });
  const progress = new Progress(io.stderr, a.progress && !a.quiet && !!io.stderr.isTTY, io.now);
  const write = (s: string) => {
    if (io.stdout.isTTY && io.stderr.isTTY) progress.clear();
    io.stdout.write(s);
  };
  // A mailbox of megabytes parses enough C for V8's optimising wasm tier to
  // pay (gzip'd mail is ~4× larger once unpacked); one patch does not.
  const expectedBytes = inputs.reduce((n, i) => n + (i.size ?? 0) * (i.gzip ? 4 : 1), 0);
  planWasmTier(expectedBytes);
  planHeap(expectedBytes);
  const fmt = await createFormatter(a.format, {
    write,
    quiet: a.quiet,
    toolVersion: VERSION,
    warn: (s) => io.stderr.write(s),
    ...emailOptions(a.email, io.env, a.format),
  });
  const reviewerOptions: ReviewOptions = {
    ...(a.tree !== undefined ? { tree: a.tree } : {}),
    ...(a.gitDir !== undefined ? { gitDir: a.gitDir } : {}),
    all: a.all,
    ...(a.format === "terse" && !a.all ? { fixed: false } : {}), // terse prints only what a patch introduces
    ...(a.showNotes !== undefined ? { showNotes: a.showNotes } : {}),
    config: loaded.config,
    ...(loaded.source !== undefined ? { configSource: loaded.source } : {}),
  };
  // A big mailbox is reviewed in child processes (one per core), unless a
  // test substituted the review stage.
  const jobs = io.createReviewer === createReviewer ? reviewJobs(io.env, expectedBytes) : 0;
  const pool = jobs ? ReviewPool.start(jobs, reviewerOptions, expectedBytes) : null;
  if (pool) capYoungGeneration(); // this process only reads and prints
  const reviewer: Pick<Reviewer, "review" | "close"> = pool ?? (await io.createReviewer(reviewerOptions));
  // Without a tree a review depends on the diff alone: a patch posted again
  // (v2 with this patch unchanged, a RESEND) gets the earlier review.
  const reviews = a.tree === undefined && a.gitDir === undefined ? cachingReviewer(reviewer) : reviewer;
  const stats = newStats();
  const tally = new Tally(fmt, { rank: thresholdOf(failOn) }, io);
  const summary = tally.summary;
  const decoder = decoderFor(io);
  // Reviews in flight, in input order, with the input errors that came
  // between them: printed oldest first, so the output is the same whatever
  // reviews them. In-process there is never more than one.
  const window: Pending[] = [];
  const WINDOW = pool ? 64 : 0;
  const emit = async (p: Pending) => {
    if (p.type === "error") return tally.error(p.error);
    let result: ReviewResult;
    try {
      result = await p.result;
    } catch (e) {
      tally.failure(p.patch, e);
      return;
    }
    await tally.record(p.patch, result);
    // A slow reader (a pipe): wait, rather than keep the output in memory.
    await drained(io.stdout);
  };
  try {
    for await (const ev of ingest(
      inputs,
      {
        latest: a.latest,
        seriesOrder: a.tree !== undefined || a.gitDir !== undefined,
        decoder,
        onProgress: (s) => progress.update({ messages: s.messages, patches: s.patches + s.diffs, errors: summary.errors }),
      },
      stats,
    )) {
      if (ev.type === "error") {
        if (window.length) window.push({ type: "error", error: ev.error });
        else tally.error(ev.error);
      }
      if (ev.type !== "patch") continue;
      const patch = ev.patch;
      if (patch.kind !== "patch" && patch.kind !== "diff") continue;
      const result = reviews.review(patch);
      result.catch(() => undefined); // handled when it is emitted
      window.push({ type: "patch", patch, result });
      while (window.length > WINDOW) await emit(window.shift()!);
    }
    while (window.length) await emit(window.shift()!);
  } finally {
    await decoder.close();
    reviewer.close?.();
    for (const i of inputs) await i.cleanup?.();
    progress.clear();
  }
  addIngestStats(summary, stats);
  await fmt.end(summary);
  return tally.exitStatus();
}

export const reviewCommand: Command = {
  name: "review",
  summary: "review patches from mailboxes, mails, format-patch files or diffs",
  help: reviewHelp,
  async run(args, io) {
    const a = parseReviewArgs(args);
    if (a === "help") {
      io.stdout.write(reviewHelp());
      return EXIT_OK;
    }
    if (a === "version") {
      io.stdout.write(`lockreview ${VERSION}\n`);
      return EXIT_OK;
    }
    return runReview(a, io);
  },
};
