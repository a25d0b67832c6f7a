// What the app already said on a pull request, and which of its threads to
// close when a push makes their finding disappear. The app's own comments
// are the Bot-authored ones that carry a lockreview marker; a thread in which
// anybody else wrote is the humans' from then on and is never touched.
// Nothing is ever deleted: a thread is resolved (GraphQL resolveReviewThread)
// or, where that is refused, its first comment is minimised as OUTDATED.
import type { Logger } from "probot";
import { markersIn, reviewShaIn } from "./comments.js";
import { describeError, type PullRequestApi, type Review, type ReviewComment } from "./github.js";

function isBot(u: { type: string } | null | undefined): boolean {
  return u?.type === "Bot";
}

/** A comment the app wrote (Bot author and a finding marker). */
export function isOurs(c: { body: string | null; user: { type: string } | null }): boolean {
  return isBot(c.user) && markersIn(c.body).length > 0;
}

export interface OurThread {
  root: ReviewComment;
  fingerprints: string[];
  /** Somebody other than the app wrote in the thread. */
  answered: boolean;
}

export interface Posted {
  /** Fingerprints already posted: inline and file comments, and review bodies. */
  fingerprints: Set<string>;
  threads: OurThread[];
  /** Our reviews by head SHA. */
  reviewedShas: Set<string>;
  /** Our reviews that requested changes (to dismiss once nothing is left). */
  changesRequested: Review[];
}

export function collectPosted(comments: ReviewComment[], reviews: Review[]): Posted {
  const fingerprints = new Set<string>();
  const roots = new Map<number, OurThread>();
  for (const c of comments) {
    if (c.in_reply_to_id === undefined && isOurs(c)) {
      const fps = markersIn(c.body).map((m) => m.fp);
      roots.set(c.id, { root: c, fingerprints: fps, answered: false });
      for (const fp of fps) fingerprints.add(fp);
    }
  }
  for (const c of comments) {
    if (c.in_reply_to_id === undefined) continue;
    const t = roots.get(c.in_reply_to_id);
    if (t && !isOurs(c)) t.answered = true;
  }
  const reviewedShas = new Set<string>();
  const changesRequested: Review[] = [];
  for (const r of reviews) {
    if (!isBot(r.user)) continue;
    const sha = reviewShaIn(r.body);
    if (!sha) continue;
    reviewedShas.add(sha);
    for (const m of markersIn(r.body)) fingerprints.add(m.fp);
    if (r.state === "CHANGES_REQUESTED") changesRequested.push(r);
  }
  return { fingerprints, threads: [...roots.values()], reviewedShas, changesRequested };
}

/** Our unanswered threads none of whose findings is still there. */
export function threadsToClose(posted: Posted, current: Set<string>): OurThread[] {
  return posted.threads.filter((t) => !t.answered && t.fingerprints.every((fp) => !current.has(fp)));
}

export interface CloseResult {
  resolved: number;
  minimized: number;
  failed: string[];
}

/** Resolve (or minimise) the threads whose finding disappeared. */
export async function closeThreads(api: PullRequestApi, threads: OurThread[], log: Logger): Promise<CloseResult> {
  const res: CloseResult = { resolved: 0, minimized: 0, failed: [] };
  if (!threads.length) return res;
  let byRoot = new Map<number, { id: string; isResolved: boolean; rootMinimized: boolean }>();
  try {
    byRoot = new Map((await api.reviewThreads()).filter((t) => t.rootCommentId !== null).map((t) => [t.rootCommentId!, t]));
  } catch (e) {
    log.warn(`could not list review threads: ${describeError(e)}`);
  }
  for (const t of threads) {
    const gql = byRoot.get(t.root.id);
    if (gql?.isResolved || gql?.rootMinimized) continue;
    if (gql) {
      try {
        await api.resolveThread(gql.id);
        res.resolved++;
        continue;
      } catch (e) {
        log.warn(`could not resolve thread of comment ${t.root.id}: ${describeError(e)}; minimising it instead`);
      }
    }
    try {
      await api.minimizeComment(t.root.node_id);
      res.minimized++;
    } catch (e) {
      res.failed.push(`comment ${t.root.id}: ${describeError(e)}`);
      log.warn(`could not minimise comment ${t.root.id}: ${describeError(e)}`);
    }
  }
  return res;
}
