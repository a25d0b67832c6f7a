// Reviewing the commits of a range on several cores. Nearly all of a check's
// time is parsing and analysing C (tree-sitter, the lock walk): ten commits to
// drivers/block spend ~95% of the run there, one core at a time. The commits
// are independent (each is reviewed against its own parent), so the range is
// cut into contiguous chunks: the main thread reviews the first chunk, worker
// threads the others. Contiguous, not interleaved, because consecutive commits
// of a series usually touch the same files: commit i's pre-image is commit
// i-1's post-image, which that thread has already parsed (the Reviewer caches
// models by content).
//
// Results come back in commit order. A worker that fails leaves its commits to
// the main thread. When the compiled worker script is not there (tests run the
// TypeScript sources), everything runs in-process — same code, same results.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Patch } from "../model/patch.js";
import type { ReviewOptions, ReviewResult, Reviewer } from "../review/pipeline.js";
import type { WorkerRequest } from "./checkWorker.js";
import type { GitRepo } from "./repo.js";

export interface CommitJob {
  patch: Patch;
  /** The commit's first parent; null for a root commit. */
  parent: string | null;
  /** Expected cost (bytes of C the review will parse); for balancing the chunks. */
  weight?: number;
}

export interface PoolOptions {
  /** Worker threads besides the main thread; 0 reviews everything in-process. */
  workers: number;
  /** What the workers build their Reviewer from (must match the main thread's). */
  reviewerOptions: ReviewOptions;
  script?: URL;
}

/** The compiled worker next to this module (lib/src/git/checkWorker.js), if it exists. */
export function checkWorkerScript(): URL | undefined {
  const url = new URL("./checkWorker.js", import.meta.url);
  try {
    return /\.c?js$/.test(import.meta.url) && existsSync(fileURLToPath(url)) ? url : undefined; // compiled (lib/) or bundled (lib/bundle/), not ts-jest
  } catch {
    return undefined;
  }
}

/**
 * Workers worth starting for `commits` commits: one per core beyond two, at
 * most 3, none for fewer than 3 commits (a worker's start-up, ~0.3 s of
 * module loading, would not pay off). Two cores are one for the main thread
 * and one for V8's garbage collector and zlib: on the 2-core reference
 * machine a worker made `check HEAD~10..HEAD` slower (2.70 s against 2.45 s
 * on one thread; 2.44 s against 1.89 s for ten nbd.c commits; npm run
 * bench). LOCKREVIEW_WORKERS=N overrides.
 */
export function defaultWorkers(commits: number, env: NodeJS.ProcessEnv, cores = availableParallelism()): number {
  const forced = env["LOCKREVIEW_WORKERS"];
  if (forced !== undefined && /^\d+$/.test(forced)) return Math.min(Number(forced), Math.max(commits - 1, 0));
  if (commits < 3) return 0;
  return Math.max(0, Math.min(cores - 2, 3, commits - 1));
}

export type CommitOutcome = { job: CommitJob; result: ReviewResult } | { job: CommitJob; error: Error };

/**
 * Chunk index of each job: `parts` contiguous chunks, cut where the heaviest
 * chunk is lightest (the linear partition problem, by dynamic programming;
 * ranges are short). The main thread (chunk 0) starts at once while workers
 * spend ~0.3 s loading modules, so its weight counts a little less.
 */
export function splitChunks(weights: number[], parts: number): number[] {
  const n = weights.length;
  const k = Math.max(1, Math.min(parts, n));
  const prefix = [0];
  for (const w of weights) prefix.push(prefix[prefix.length - 1]! + w);
  const sum = (a: number, b: number) => prefix[b]! - prefix[a]!;
  const HEAD_START = 1.1;
  // best[j][i]: lowest possible heaviest chunk when jobs [0, i) form chunks 0..j.
  const best: number[][] = Array.from({ length: k }, () => new Array<number>(n + 1).fill(Infinity));
  const cut: number[][] = Array.from({ length: k }, () => new Array<number>(n + 1).fill(0));
  for (let i = 1; i <= n; i++) best[0]![i] = sum(0, i) / HEAD_START;
  for (let j = 1; j < k; j++) {
    for (let i = j + 1; i <= n; i++) {
      for (let c = j; c < i; c++) {
        const v = Math.max(best[j - 1]![c]!, sum(c, i));
        if (v < best[j]![i]!) {
          best[j]![i] = v;
          cut[j]![i] = c;
        }
      }
    }
  }
  const out = new Array<number>(n).fill(0);
  let end = n;
  for (let j = k - 1; j > 0; j--) {
    const c = cut[j]![end]!;
    for (let i = c; i < end; i++) out[i] = j;
    end = c;
  }
  return out;
}

type Reply = { id: number; ok: true; result: ReviewResult } | { id: number; ok: false; message: string };

/** Review every job, yielding outcomes in job order. */
export async function* reviewCommits(repo: GitRepo, jobs: CommitJob[], local: Reviewer, opts: PoolOptions): AsyncGenerator<CommitOutcome> {
  const reviewHere = async (job: CommitJob): Promise<CommitOutcome> => {
    try {
      return { job, result: await local.review(job.patch, { provider: repo.at(job.parent) }) };
    } catch (e) {
      return { job, error: e instanceof Error ? e : new Error(String(e)) };
    }
  };
  const script = opts.script ?? checkWorkerScript();
  const n = script ? Math.min(opts.workers, Math.max(jobs.length - 1, 0)) : 0;
  if (n === 0) {
    for (const job of jobs) yield await reviewHere(job);
    return;
  }

  const chunkOf = splitChunks(jobs.map((j) => j.weight ?? 1), n + 1);
  const owner = (i: number) => chunkOf[i]!;
  const pending = new Map<number, { resolve: (o: CommitOutcome | null) => void }>();
  const answers: Promise<CommitOutcome | null>[] = jobs.map((_, i) =>
    owner(i) === 0 ? Promise.resolve(null) : new Promise((resolve) => pending.set(i, { resolve })),
  );
  const workers: Worker[] = [];
  for (let k = 1; k <= n; k++) {
    const w = new Worker(script!);
    workers.push(w);
    const mine = jobs.map((_, i) => i).filter((i) => owner(i) === k);
    // A failed worker's unanswered commits go back to the main thread (null).
    const giveBack = () => {
      for (const i of mine) pending.get(i)?.resolve(null);
    };
    w.on("message", (r: Reply) => {
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      p.resolve(r.ok ? { job: jobs[r.id]!, result: r.result } : null);
    });
    w.on("error", giveBack);
    w.on("exit", giveBack);
    w.postMessage({ type: "init", top: repo.top, options: opts.reviewerOptions } satisfies WorkerRequest);
    for (const i of mine) w.postMessage({ type: "job", id: i, patch: jobs[i]!.patch, parent: jobs[i]!.parent } satisfies WorkerRequest);
  }
  try {
    for (let i = 0; i < jobs.length; i++) {
      const answer = await answers[i]!;
      yield answer ?? (await reviewHere(jobs[i]!));
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
