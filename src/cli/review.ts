// `lockreview review`: inputs → ingest → Reviewer → formatter.
//
// Streaming: each patch goes to the Reviewer as soon as ingest has it and
// only the small PatchReport is kept (by the JSON formatter); the text
// formatter prints and forgets. With --tree (and --latest) ingest buffers
// per series and hands patches out in series order.
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { type BodyDecoder, createBodyDecoder, ingest, newStats, resolveInputs, type ResolvedInput } from "../ingest/index.js";
import { planWasmTier } from "../cmodel/wasmTier.js";
import { planHeap } from "../runtime/heapPolicy.js";
import type { InputError, Patch } from "../model/patch.js";
import { SEVERITY_RANK } from "../model/severity.js";
import { createFormatter, type RunSummary } from "../render/index.js";
import { EMAIL_OPTIONS, emailArgs, emailOptions, type EmailArgs } from "./emailArgs.js";
import { VERSION } from "../version.js";
import { OUTPUT_OPTIONS, failOnArg, outputFormat, parseCommandArgs } from "./args.js";
import type { Command } from "./commands.js";
import { type FailOn, failOnOf, loadCliConfig, threshold as thresholdOf } from "./config.js";
import { EXIT_FINDINGS, EXIT_OK, UsageError } from "./errors.js";
import { reviewHelp } from "./help.js";
import { type CliIO, drained } from "./io.js";
import { Progress } from "./progress.js";
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
  quiet: boolean;
  progress: boolean;
  /** `--show-notes`; when absent, the configuration's `show-notes`. */
  showNotes?: boolean;
  /** `--config FILE`. */
  config?: string;
  /** --format email / sarif options (--from, --reply-dir, --send, --docs-url …). */
  email: EmailArgs;
}

const HINT = "see 'lockreview review --help'";

export function parseReviewArgs(args: string[]): ReviewArgs | "help" | "version" {
  const parsed = parseCommandArgs(
    args,
    { ...OUTPUT_OPTIONS, latest: { type: "boolean" }, tree: { type: "string" }, version: { type: "boolean" }, ...EMAIL_OPTIONS },
    HINT,
  );
  const v = parsed.values;
  if (v.help) return "help";
  if (v.version) return "version";
  const format = outputFormat(v, HINT);
  const failOn = failOnArg(v["fail-on"], HINT);
  const email = emailArgs(v, format, HINT);
  if (parsed.positionals.length === 0) throw new UsageError("no input given (a mailbox, .eml, .patch, diff, directory or -)", HINT);
  if (v.tree !== undefined) {
    let ok = false;
    try {
      ok = statSync(v.tree).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`--tree '${v.tree}' is not a directory`, HINT);
  }
  return {
    inputs: parsed.positionals,
    format,
    ...(failOn !== undefined ? { failOn } : {}),
    latest: !!v.latest,
    all: !!v.all,
    ...(v.tree !== undefined ? { tree: v.tree } : {}),
    // --terse is for tools reading the output line by line: findings only.
    quiet: !!v.quiet || format === "terse",
    progress: !v["no-progress"],
    ...(v["show-notes"] ? { showNotes: true } : {}),
    ...(v.config !== undefined ? { config: v.config } : {}),
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

export async function runReview(a: ReviewArgs, io: CliIO): Promise<number> {
  // .lockreview.yml of the tree the series applies to, else of the checkout
  // we are in, else beside the first input.
  const startDirs = [...(a.tree !== undefined ? [a.tree] : []), process.cwd(), ...a.inputs.filter((i) => i !== "-").slice(0, 1).map((i) => dirname(i))];
  const loaded = await loadCliConfig(a.config, startDirs);
  const failOn = a.failOn ?? failOnOf(undefined, loaded, HINT);
  const twoPass = a.latest || a.tree !== undefined;
  const inputs: ResolvedInput[] = await resolveInputs(a.inputs, { stdin: io.stdin, spoolStdin: twoPass });
  // A mailbox of megabytes parses enough C for V8's optimising wasm tier to
  // pay (gzip'd mail is ~4× larger once unpacked); one patch does not.
  const expectedBytes = inputs.reduce((n, i) => n + (i.size ?? 0) * (i.gzip ? 4 : 1), 0);
  planWasmTier(expectedBytes);
  planHeap(expectedBytes);
  const progress = new Progress(io.stderr, a.progress && !a.quiet && !!io.stderr.isTTY, io.now);
  const write = (s: string) => {
    if (io.stdout.isTTY && io.stderr.isTTY) progress.clear();
    io.stdout.write(s);
  };
  const fmt = await createFormatter(a.format, {
    write,
    quiet: a.quiet,
    toolVersion: VERSION,
    warn: (s) => io.stderr.write(s),
    ...emailOptions(a.email, io.env, a.format),
  });
  const reviewerOptions: ReviewOptions = {
    ...(a.tree !== undefined ? { tree: a.tree } : {}),
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
  const reviewer: Pick<Reviewer, "review"> = pool ?? (await io.createReviewer(reviewerOptions));
  // Without a tree a review depends on the diff alone: a patch posted again
  // (v2 with this patch unchanged, a RESEND) gets the earlier review.
  const reviews = a.tree === undefined ? cachingReviewer(reviewer) : reviewer;
  const stats = newStats();
  const summary: RunSummary = {
    reviewed: 0,
    introduced: { error: 0, warning: 0, note: 0 },
    fixed: 0,
    errors: 0,
    messages: 0,
    covers: 0,
    replies: 0,
    other: 0,
    duplicates: 0,
    superseded: 0,
  };
  const threshold = thresholdOf(failOn);
  let failed = false;
  const reportError = (e: InputError) => {
    summary.errors++;
    fmt.error(e);
  };
  const decoder = decoderFor(io);
  // Reviews in flight, in input order, with the input errors that came
  // between them: printed oldest first, so the output is the same whatever
  // reviews them. In-process there is never more than one.
  const window: Pending[] = [];
  const WINDOW = pool ? 64 : 0;
  const emit = async (p: Pending) => {
    if (p.type === "error") return reportError(p.error);
    let result: ReviewResult;
    try {
      result = await p.result;
    } catch (e) {
      if (io.env["LOCKREVIEW_DEBUG"]) io.stderr.write(`${(e as Error)?.stack ?? e}\n`);
      reportError({ source: p.patch.source, message: `internal error while reviewing "${p.patch.subject}": ${(e as Error)?.message ?? e}` });
      return;
    }
    summary.reviewed++;
    for (const f of result.report.findings) {
      if (f.status === "fixed") summary.fixed++;
      if (f.status !== "introduced" || f.suppressed) continue;
      summary.introduced[f.severity]++;
      if (SEVERITY_RANK[f.severity] >= threshold) failed = true;
    }
    await fmt.patch(result.report, p.patch, result.details);
    for (const e of result.errors) reportError(e);
    // A slow reader (a pipe): wait, rather than keep the output in memory.
    await drained(io.stdout);
  };
  try {
    for await (const ev of ingest(
      inputs,
      {
        latest: a.latest,
        seriesOrder: a.tree !== undefined,
        decoder,
        onProgress: (s) => progress.update({ messages: s.messages, patches: s.patches + s.diffs, errors: summary.errors }),
      },
      stats,
    )) {
      if (ev.type === "error") {
        if (window.length) window.push({ type: "error", error: ev.error });
        else reportError(ev.error);
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
    pool?.close();
    await decoder.close();
    for (const i of inputs) await i.cleanup?.();
    progress.clear();
  }
  Object.assign(summary, {
    messages: stats.messages,
    covers: stats.covers,
    replies: stats.replies,
    other: stats.other,
    duplicates: stats.duplicates,
    superseded: stats.superseded,
  });
  await fmt.end(summary);
  return failed ? EXIT_FINDINGS : EXIT_OK;
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
