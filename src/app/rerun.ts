// "Re-run" on the lockreview check run: GitHub sends check_run.rerequested
// (for check runs the app created) with the head SHA and, for pull requests
// within the repository, their numbers; fork pull requests are left out of
// `check_run.pull_requests`, so they are looked up by commit. The pull
// request is fetched for what a pull_request event would carry (title, body,
// draft, changed files), and the handler reviews that head again.
import type { GitHubClient } from "./github.js";
import type { PullRequestPayload } from "./handler.js";

/** The fields of a `check_run` webhook payload the app reads. */
export interface CheckRunPayload {
  action: string;
  check_run: { name: string; head_sha: string; pull_requests?: { number: number }[] };
  repository: { id: number; name: string; owner: { login: string } };
  installation?: { id: number };
}

/** A pull request as the REST API returns it: what a pull_request event carries, and its state. */
type PullLike = PullRequestPayload["pull_request"] & { state?: string };

/**
 * The pull_request payload for a re-run of `check_run`, or null when no
 * open pull request has that head. The head is the check run's: if the pull
 * request moved on since, the handler sees it and drops the old result.
 */
export async function rerunPayload(octokit: GitHubClient, p: CheckRunPayload): Promise<PullRequestPayload | null> {
  const owner = p.repository.owner.login;
  const repo = p.repository.name;
  const sha = p.check_run.head_sha;
  let pull: PullLike | undefined;
  const listed = p.check_run.pull_requests?.[0];
  if (listed) {
    pull = (await octokit.rest.pulls.get({ owner, repo, pull_number: listed.number })).data as PullLike;
  } else {
    const found = (await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 })).data as PullLike[];
    pull = found.find((x) => x.state === "open" && x.head.sha === sha) ?? found.find((x) => x.state === "open");
  }
  if (!pull) return null;
  return {
    action: "rerequested",
    number: pull.number,
    pull_request: {
      number: pull.number,
      ...(pull.draft !== undefined ? { draft: pull.draft } : {}),
      title: pull.title,
      body: pull.body ?? null,
      head: { sha },
      base: pull.base,
      ...(pull.changed_files !== undefined ? { changed_files: pull.changed_files } : {}),
    },
    repository: p.repository,
    ...(p.installation ? { installation: p.installation } : {}),
  };
}
