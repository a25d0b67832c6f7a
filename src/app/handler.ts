// One pull request event, end to end: config → dedupe → check run →
// context → review → (head still the same?) → one review with inline and
// file-level comments → close threads whose finding disappeared → check run
// conclusion. Octokit, clock and config reading are injected; nothing here
// throws past the event: a bad PR ends in a check run that says what went
// wrong, never in a failed delivery (a 500 GitHub would show as failed and
// an operator might redeliver in a loop).
import type { Logger } from "probot";
import type { LockreviewConfig } from "../config/schema.js";
import type { FileDiff, Patch } from "../model/patch.js";
import type { Finding } from "../model/review.js";
import type { DiffResult } from "../review/differential.js";
import { pathMatcher } from "../review/paths.js";
import { createReviewer } from "../review/pipeline.js";
import { commentable, place } from "./anchors.js";
import { batches, CHECK_NAME, checkOutput, EXTERNAL_ID } from "./checks.js";
import { findingComment, reviewBody } from "./comments.js";
import { appSettings, CONFIG_PATH, loadAppConfig, validateConfigText, type AppSettings, type ConfigProblem } from "./config.js";
import { BlobCache, blobText, DEFAULT_BOUNDS, gatherContext, type ContextBounds, type PrContext } from "./context.js";
import { type ClaimStore, dedupeState, type DedupeState, TTL } from "./dedupe.js";
import { describeError, GITHUB_MAX_PR_FILES, pullRequestApi, type GitHubClient, type InlineComment, type PullRequestApi } from "./github.js";
import { closeThreads, collectPosted, threadsToClose } from "./threads.js";

export const PR_ACTIONS = ["opened", "synchronize", "reopened", "ready_for_review"] as const;

export interface Clock {
  /** Milliseconds (Date.now()). */
  now(): number;
}

export interface HandlerOptions {
  bounds?: ContextBounds;
  /** Time budget of one PR, from the event to the check run (default 120 s). */
  budgetMs?: number;
  /** Share of the budget that fetching may use; files not fetched by then are reviewed from hunks. */
  fetchShare?: number;
  /** File-level comments per review (each is one more request). */
  maxFileComments?: number;
  clock?: Clock;
  cache?: BlobCache;
  dedupe?: DedupeState;
}

/** The fields of a `pull_request` webhook payload the app reads. */
export interface PullRequestPayload {
  action: string;
  number: number;
  pull_request: {
    number: number;
    draft?: boolean;
    title: string;
    body?: string | null;
    head: { sha: string };
    base: { sha: string; ref?: string };
    changed_files?: number;
  };
  repository: { id: number; name: string; owner: { login: string } };
  installation?: { id: number };
}

export interface PullRequestEvent {
  /** X-GitHub-Delivery. */
  id: string;
  payload: PullRequestPayload;
  octokit: GitHubClient;
  log: Logger;
  /** `context.config(CONFIG_FILE)`: the parsed file, or null when there is none. */
  loadConfig(): Promise<unknown>;
  /**
   * "Re-run" on the check run (check_run.rerequested): review this head
   * again even though it was reviewed, in a new check run. Comments already
   * posted are still not repeated.
   */
  rerun?: boolean;
}

export type Outcome =
  | { status: "skipped"; reason: string }
  | { status: "superseded"; by: string }
  | { status: "failed"; error: string }
  | { status: "reviewed"; conclusion: string; inline: number; file: number; body: number; resolved: number; reviewId?: number };

interface Run {
  api: PullRequestApi;
  log: Logger;
  sha: string;
  pr: string;
  payload: PullRequestPayload;
  config: LockreviewConfig;
  configSource: string;
  configProblems: string[];
  settings: AppSettings;
  started: number;
  rerun: boolean;
  checkId?: number;
}

const realClock: Clock = { now: () => Date.now() };

export function createPullRequestHandler(opts: HandlerOptions = {}) {
  const clock = opts.clock ?? realClock;
  const budgetMs = opts.budgetMs ?? 120_000;
  const fetchShare = opts.fetchShare ?? 0.5;
  const bounds = opts.bounds ?? DEFAULT_BOUNDS;
  const maxFileComments = opts.maxFileComments ?? 10;
  const cache = opts.cache ?? new BlobCache();
  const seen = opts.dedupe ?? dedupeState();

  async function handle(evt: PullRequestEvent): Promise<Outcome> {
    const { payload } = evt;
    const pull = payload.pull_request;
    const sha = pull.head.sha;
    const pr = `${payload.repository.owner.login}/${payload.repository.name}#${pull.number}`;
    const log = evt.log.child({ pr, sha: sha.slice(0, 12) });
    const rerun = !!evt.rerun;
    try {
      if (!rerun && !(PR_ACTIONS as readonly string[]).includes(payload.action)) return skip(log, `action ${payload.action} is not reviewed`);
      if (!(await claim(log, seen.deliveries, evt.id, TTL.deliveryMs))) return skip(log, "this delivery was already handled");
      const key = `${payload.repository.id}/${pull.number}/${sha}`;
      if (!rerun && (await has(log, seen.reviewed, key))) return skip(log, "this head was already reviewed");
      // Deliveries for one head that arrive together (at this replica or, with
      // Redis, at any) run once; a crashed run's claim expires after its budget.
      if (!(await claim(log, seen.running, key, budgetMs + 60_000))) return skip(log, "a review of this head is already running");
      try {
        const loaded = await loadAppConfig(() => evt.loadConfig());
        const settings = appSettings(loaded.config);
        if (pull.draft && !settings.drafts) return skip(log, "draft pull request (set github.drafts: true to review drafts)");
        const api = pullRequestApi(evt.octokit, { owner: payload.repository.owner.login, repo: payload.repository.name, number: pull.number }, AbortSignal.timeout(budgetMs));
        const outcome = await run({ api, log, sha, pr, payload, config: loaded.config, configSource: loaded.source, configProblems: loaded.problems, settings, started: clock.now(), rerun });
        if (outcome.status === "reviewed" || (outcome.status === "skipped" && /already reviewed/.test(outcome.reason))) await claim(log, seen.reviewed, key, TTL.reviewedMs);
        // Nothing was posted: GitHub's "Redeliver" of this delivery must retry it.
        if (outcome.status === "failed") await release(log, seen.deliveries, evt.id);
        log.info({ outcome }, `lockreview: ${outcome.status}`);
        return outcome;
      } finally {
        await release(log, seen.running, key);
      }
    } catch (e) {
      // Last resort: nothing may escape into the webhook response.
      const error = describeError(e);
      log.error(`lockreview failed: ${error}`);
      return { status: "failed", error };
    }
  }

  // A shared store that fails (Redis away) must not stop reviews: the claim
  // counts as won, and the API state (check run, review marker) still keeps
  // a head from being reviewed twice.
  async function claim(log: Logger, store: ClaimStore, key: string, ttlMs: number): Promise<boolean> {
    try {
      return await store.claim(key, ttlMs);
    } catch (e) {
      log.warn(`dedupe store unavailable (${describeError(e)}); going on without it`);
      return true;
    }
  }

  async function has(log: Logger, store: ClaimStore, key: string): Promise<boolean> {
    try {
      return await store.has(key);
    } catch (e) {
      log.warn(`dedupe store unavailable (${describeError(e)}); going on without it`);
      return false;
    }
  }

  async function release(log: Logger, store: ClaimStore, key: string): Promise<void> {
    try {
      await store.release(key);
    } catch (e) {
      log.warn(`dedupe store unavailable (${describeError(e)}); ${key} expires by itself`);
    }
  }

  function skip(log: Logger, reason: string): Outcome {
    log.info(`lockreview: skipped: ${reason}`);
    return { status: "skipped", reason };
  }

  async function run(r: Run): Promise<Outcome> {
    const { api, log, sha } = r;
    // The API state decides across processes and restarts: a finished run
    // for this head means this event brings nothing new (reopened, redelivered).
    // A re-run asked for a new run: GitHub expects a new check run for it.
    if (!r.rerun) {
      try {
        const existing = await api.findCheckRun(sha, CHECK_NAME);
        if (existing?.status === "completed" && existing.external_id === EXTERNAL_ID.reviewed) return skip(log, "this head was already reviewed (check run)");
        const recent = existing?.started_at ? clock.now() - Date.parse(existing.started_at) < budgetMs : false;
        if (existing && existing.status !== "completed" && recent) return skip(log, "a review of this head is already running (check run in progress)");
        if (existing && existing.status !== "completed") r.checkId = existing.id;
      } catch (e) {
        log.warn(`could not look up check runs: ${describeError(e)}`);
      }
    }
    if (r.checkId === undefined) {
      try {
        r.checkId = await api.createCheckRun({ name: CHECK_NAME, head_sha: sha, external_id: EXTERNAL_ID.running, started_at: new Date(clock.now()).toISOString() });
      } catch (e) {
        log.warn(`could not create the check run: ${describeError(e)}`);
      }
    }
    let stage = "listing the pull request's files";
    try {
      const files = await api.listFiles(GITHUB_MAX_PR_FILES);
      const notes: string[] = [];
      const changed = r.payload.pull_request.changed_files;
      if (files.length >= GITHUB_MAX_PR_FILES || (changed !== undefined && changed > files.length)) {
        notes.push(`GitHub lists at most ${GITHUB_MAX_PR_FILES} files of a pull request; ${changed !== undefined ? `${changed - files.length} of ${changed}` : "some"} files were not seen`);
      }
      stage = "fetching file contents";
      const inScope = pathMatcher(r.config.paths.include, r.config.paths.exclude);
      const ctx = await gatherContext(api, files, {
        headSha: sha,
        title: `${r.pr}: ${r.payload.pull_request.title}`,
        source: r.pr,
        body: r.payload.pull_request.body ?? "",
        bounds,
        cache,
        inScope,
        overBudget: () => clock.now() - r.started > budgetMs * fetchShare,
      });
      ctx.notes.unshift(...notes);
      if (ctx.problems.length) log.warn(`context degraded: ${ctx.problems.join("; ")}`);

      let configChange: ConfigProblem[] | null = null;
      const cfgFile = files.find((f) => f.filename === CONFIG_PATH && f.status !== "removed");
      if (cfgFile?.sha) {
        stage = `reading ${CONFIG_PATH}`;
        try {
          configChange = validateConfigText(blobText(await api.getBlob(cfgFile.sha)) ?? "");
        } catch (e) {
          ctx.problems.push(`could not read ${CONFIG_PATH} at the head: ${describeError(e)}`);
        }
      }

      stage = "analysing";
      const details = await review(r, ctx);
      const findings = details.map((d) => d.finding);
      const introduced = details.filter((d) => d.finding.status === "introduced");

      // A result for an old head is dropped: the event of the new head brings a fresh run.
      stage = "checking the head";
      const head = await api.headSha();
      if (head !== sha) {
        await finishCheck(r, { conclusion: "neutral", external_id: EXTERNAL_ID.superseded, output: { title: "Superseded", summary: `The pull request's head moved to ${head.slice(0, 7)} while ${sha.slice(0, 7)} was analysed; the run for the new head reviews it.` } });
        log.info(`head moved to ${head.slice(0, 12)}; result dropped`);
        return { status: "superseded", by: head };
      }

      stage = "reading earlier reviews";
      const [reviews, comments] = await Promise.all([api.listReviews(), api.listReviewComments()]);
      const posted = collectPosted(comments, reviews);
      const current = new Set(introduced.map((d) => d.finding.fingerprint ?? ""));
      const fresh = introduced.filter((d) => !posted.fingerprints.has(d.finding.fingerprint ?? ""));
      const prPaths = files.filter((f) => f.status !== "removed").map((f) => f.filename);
      const anchors = commentable(ctx.diffs, prPaths);
      const placed = place(fresh, anchors, r.settings.maxComments, maxFileComments);
      const fixed = findings.filter((f) => f.status === "fixed");

      stage = "posting the review";
      let reviewId: number | undefined;
      let reviewNote = "";
      const hasNews = placed.inline.length + placed.file.length + placed.body.length > 0;
      if (hasNews && !posted.reviewedShas.has(sha)) {
        reviewId = await postReview(r, placed.inline.map((d) => d.finding), placed.body.map((d) => d.finding), placed.file.map((d) => d.finding), fixed, introduced.length - fresh.length, ctx);
        reviewNote = `Review posted with ${placed.inline.length} inline and ${placed.file.length} file-level comment(s).`;
        for (const d of placed.file) {
          try {
            await api.createFileComment({ commit_id: sha, path: d.finding.file, body: findingComment(d.finding, { sha, outsideDiff: true }) });
          } catch (e) {
            ctx.problems.push(`could not post the file-level comment on ${d.finding.file}: ${describeError(e)}`);
          }
        }
      } else if (posted.reviewedShas.has(sha)) reviewNote = "This head was already reviewed; no review posted.";
      else if (introduced.length) reviewNote = "Every finding was already reported on an earlier push; no new review.";

      stage = "closing resolved threads";
      const closing = threadsToClose(posted, current);
      const closed = await closeThreads(api, closing, log);
      for (const f of closed.failed) ctx.problems.push(`could not resolve or minimise a thread: ${f}`);
      if (r.settings.requestChanges && !introduced.some((d) => d.finding.severity === "error")) {
        for (const rv of posted.changesRequested) {
          try {
            await api.dismissReview(rv.id, `lockreview: no errors remain at ${sha.slice(0, 7)}.`);
          } catch (e) {
            log.warn(`could not dismiss review ${rv.id}: ${describeError(e)}`);
          }
        }
      }

      stage = "completing the check run";
      const annotatable = new Set<string>([...prPaths]);
      for (const p of await contextPaths(ctx)) annotatable.add(p);
      const out = checkOutput({
        sha,
        pr: r.pr,
        findings,
        patches: [ctx.treePatch, ctx.hunksPatch].filter((p): p is Patch => !!p),
        settings: r.settings,
        treeFiles: ctx.treePatch?.files.filter(isC).length ?? 0,
        hunksOnly: ctx.hunksOnly,
        notReviewed: ctx.notReviewed,
        problems: ctx.problems,
        notes: ctx.notes,
        configProblems: r.configProblems,
        configChange,
        annotatable,
        reviewNote: [reviewNote, closed.resolved + closed.minimized ? `${closed.resolved + closed.minimized} earlier thread(s) closed: their finding is gone.` : ""].filter(Boolean).join(" "),
        durationMs: clock.now() - r.started,
      });
      const parts = batches(out.annotations);
      for (const b of parts.slice(0, -1)) await updateCheck(r, { output: { ...out.output, annotations: b } });
      await finishCheck(r, { conclusion: out.conclusion, external_id: EXTERNAL_ID.reviewed, output: { ...out.output, annotations: parts.at(-1) ?? [] } });
      return { status: "reviewed", conclusion: out.conclusion, inline: placed.inline.length, file: placed.file.length, body: placed.body.length, resolved: closed.resolved + closed.minimized, ...(reviewId !== undefined ? { reviewId } : {}) };
    } catch (e) {
      const error = `${stage}: ${describeError(e)}`;
      log.error(`lockreview could not review: ${error}`);
      await finishCheck(r, {
        conclusion: "neutral",
        external_id: EXTERNAL_ID.failed,
        output: { title: "lockreview could not review this pull request", summary: `While ${error}.\n\nNothing was posted for ${sha.slice(0, 7)}. Push again, or close and reopen the pull request, to retry.` },
      });
      return { status: "failed", error };
    }
  }

  async function review(r: Run, ctx: PrContext): Promise<DiffResult[]> {
    const out: DiffResult[] = [];
    const common = { config: r.config, configSource: r.configSource };
    if (ctx.treePatch) {
      const res = await (await createReviewer({ ...common, provider: ctx.provider })).review(ctx.treePatch);
      out.push(...res.details);
      for (const e of res.errors) ctx.problems.push(e.message);
    }
    if (ctx.hunksPatch) {
      const res = await (await createReviewer(common)).review(ctx.hunksPatch);
      out.push(...res.details);
      for (const e of res.errors) ctx.problems.push(e.message);
    }
    return out;
  }

  async function postReview(r: Run, inline: Finding[], body: Finding[], file: Finding[], fixed: Finding[], alreadyPosted: number, ctx: PrContext): Promise<number> {
    const event = r.settings.requestChanges && [...inline, ...body, ...file].some((f) => f.severity === "error") ? "REQUEST_CHANGES" : "COMMENT";
    const comments: InlineComment[] = inline.map((f) => ({ path: f.file, line: f.line, side: "RIGHT", body: findingComment(f, { sha: r.sha }) }));
    const text = reviewBody({ sha: r.sha, inline, file, body, fixed, alreadyPosted, hunksOnly: ctx.hunksOnly, notReviewed: ctx.notReviewed });
    try {
      return (await r.api.createReview({ commit_id: r.sha, body: text, event, comments })).id;
    } catch (e) {
      // Anchors are computed from the hunks and should never be refused; if
      // GitHub's diff still disagrees, the findings go to the body instead.
      if ((e as { status?: number }).status !== 422 || !comments.length) throw e;
      r.log.warn(`review with inline comments refused (${describeError(e)}); posting them in the body`);
      ctx.problems.push(`GitHub refused the inline comments (${describeError(e)}); they are in the review body`);
      const moved = reviewBody({ sha: r.sha, inline: [], file, body: [...inline, ...body], fixed, alreadyPosted, hunksOnly: ctx.hunksOnly, notReviewed: ctx.notReviewed });
      return (await r.api.createReview({ commit_id: r.sha, body: moved, event, comments: [] })).id;
    }
  }

  async function updateCheck(r: Run, update: Parameters<PullRequestApi["updateCheckRun"]>[1]): Promise<void> {
    if (r.checkId === undefined) return;
    try {
      await r.api.updateCheckRun(r.checkId, update);
    } catch (e) {
      r.log.warn(`could not update the check run: ${describeError(e)}`);
    }
  }

  async function finishCheck(r: Run, update: { conclusion: string; external_id: string; output: Parameters<PullRequestApi["updateCheckRun"]>[1]["output"] }): Promise<void> {
    await updateCheck(r, { status: "completed", completed_at: new Date(clock.now()).toISOString(), ...update });
  }

  return { handle };
}

function isC(fd: FileDiff): boolean {
  return /\.(c|h)$/.test(fd.newPath ?? fd.oldPath ?? "");
}

/** Paths of the driver files read for context (unchanged files at the head). */
async function contextPaths(ctx: PrContext): Promise<string[]> {
  const out: string[] = [];
  const seenDirs = new Set<string>();
  for (const fd of ctx.treePatch?.files ?? []) {
    const p = fd.newPath ?? fd.oldPath!;
    const dir = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "";
    if (seenDirs.has(dir)) continue;
    seenDirs.add(dir);
    for (const n of await ctx.provider.list(dir)) out.push(dir ? `${dir}/${n}` : n);
  }
  return out;
}

