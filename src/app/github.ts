// The GitHub API calls the app makes, in one place, as a thin adapter over
// an installation Octokit. Everything the app knows about GitHub's REST and
// GraphQL shapes and limits lives here; the rest of src/app/ works on the
// small types below. Every request carries the run's AbortSignal, so a PR's
// time budget also ends requests that hang.
import type { ProbotOctokit } from "probot";

export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/** GitHub lists at most 3,000 files of a pull request (REST `pulls.listFiles`). */
export const GITHUB_MAX_PR_FILES = 3000;
/** `per_page` is capped at 100 on the list endpoints used here. */
const PER_PAGE = 100;
/** The Checks API takes at most 50 annotations per request; later updates append. */
export const GITHUB_MAX_ANNOTATIONS_PER_REQUEST = 50;
/** Check run `output.summary` and `output.text` are limited to 65,535 characters. */
export const GITHUB_MAX_CHECK_TEXT = 65535;

export interface PrRef {
  owner: string;
  repo: string;
  number: number;
}

/** One entry of `pulls.listFiles`. `patch` is absent for binary and very large files. */
export interface PrFile {
  filename: string;
  previous_filename?: string;
  status: string;
  sha?: string | null;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
}

/** One entry of a directory listing (`repos.getContent` on a directory). */
export interface DirEntry {
  name: string;
  path: string;
  sha: string;
  size: number;
  type: string;
}

export interface User {
  login: string;
  type: string;
}

export interface ReviewComment {
  id: number;
  node_id: string;
  body: string;
  user: User | null;
  path: string;
  in_reply_to_id?: number;
}

export interface Review {
  id: number;
  body: string | null;
  commit_id: string | null;
  state: string;
  user: User | null;
}

export interface CheckRunInfo {
  id: number;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  started_at: string | null;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  title: string;
  message: string;
  raw_details?: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: Annotation[];
}

export interface InlineComment {
  path: string;
  line: number;
  side: "RIGHT";
  body: string;
}

export interface ReviewThread {
  id: string;
  isResolved: boolean;
  /** databaseId of the thread's first comment (the REST comment id). */
  rootCommentId: number | null;
  rootMinimized: boolean;
}

/** Everything the handler asks of GitHub for one pull request. */
export interface PullRequestApi {
  readonly ref: PrRef;
  listFiles(max?: number): Promise<PrFile[]>;
  /** Entries of a directory at `ref`; null when it does not exist there. */
  listDir(dir: string, ref: string): Promise<DirEntry[] | null>;
  /** A blob's bytes. */
  getBlob(sha: string): Promise<Buffer>;
  headSha(): Promise<string>;
  listReviews(): Promise<Review[]>;
  listReviewComments(): Promise<ReviewComment[]>;
  createReview(review: { commit_id: string; body: string; event: "COMMENT" | "REQUEST_CHANGES"; comments: InlineComment[] }): Promise<{ id: number }>;
  createFileComment(comment: { commit_id: string; path: string; body: string }): Promise<{ id: number }>;
  dismissReview(id: number, message: string): Promise<void>;
  findCheckRun(sha: string, name: string): Promise<CheckRunInfo | null>;
  createCheckRun(run: { name: string; head_sha: string; external_id: string; started_at: string }): Promise<number>;
  updateCheckRun(id: number, update: { status?: "in_progress" | "completed"; conclusion?: string; completed_at?: string; external_id?: string; output?: CheckOutput }): Promise<void>;
  reviewThreads(): Promise<ReviewThread[]>;
  resolveThread(threadId: string): Promise<void>;
  minimizeComment(nodeId: string): Promise<void>;
}

const THREADS_QUERY = `query lockreviewThreads($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId isMinimized } } }
      }
    }
  }
}`;

interface ThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: { id: string; isResolved: boolean; comments: { nodes: { databaseId: number | null; isMinimized?: boolean }[] } }[];
      } | null;
    } | null;
  } | null;
}

type Params = Record<string, unknown>;
// Untyped on purpose: the responses are narrowed to the interfaces above, and
// the generated route types reject the `request: { signal }` option.
type Request = (route: string, params: Params) => Promise<{ data: any }>;
type Paginate = ((route: string, params: Params) => Promise<any[]>) & { iterator: (route: string, params: Params) => AsyncIterable<{ data: any[] }> };

/** The API over an installation Octokit. `signal` ends every request at the run's deadline. */
export function pullRequestApi(octokit: GitHubClient, ref: PrRef, signal?: AbortSignal): PullRequestApi {
  const { owner, repo, number: pull_number } = ref;
  const request = signal ? { signal } : {};
  const req = octokit.request as unknown as Request;
  const paginate = octokit.paginate as unknown as Paginate;
  const gql = octokit.graphql as unknown as <T>(query: string, vars: Params) => Promise<T>;
  const pr = { owner, repo, pull_number, request };
  return {
    ref,
    async listFiles(max = GITHUB_MAX_PR_FILES) {
      const out: PrFile[] = [];
      for await (const page of paginate.iterator("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { ...pr, per_page: PER_PAGE })) {
        for (const f of page.data) out.push(f as PrFile);
        if (out.length >= max) break;
      }
      return out.slice(0, max);
    },
    async listDir(dir, at) {
      try {
        const r = await req("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path: dir, ref: at, request });
        return Array.isArray(r.data) ? (r.data as DirEntry[]) : null;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return null;
        throw e;
      }
    },
    async getBlob(sha) {
      const r = await req("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { owner, repo, file_sha: sha, request });
      return Buffer.from(String(r.data.content ?? ""), r.data.encoding === "base64" ? "base64" : "utf8");
    },
    async headSha() {
      const r = await req("GET /repos/{owner}/{repo}/pulls/{pull_number}", pr);
      return String(r.data.head.sha);
    },
    async listReviews() {
      return (await paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { ...pr, per_page: PER_PAGE })) as Review[];
    },
    async listReviewComments() {
      return (await paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/comments", { ...pr, per_page: PER_PAGE })) as ReviewComment[];
    },
    async createReview(review) {
      const r = await req("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { ...pr, ...review });
      return { id: Number(r.data.id) };
    },
    async createFileComment(c) {
      const r = await req("POST /repos/{owner}/{repo}/pulls/{pull_number}/comments", { ...pr, ...c, subject_type: "file" });
      return { id: Number(r.data.id) };
    },
    async dismissReview(review_id, message) {
      await req("PUT /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals", { ...pr, review_id, message });
    },
    async findCheckRun(sha, name) {
      const r = await req("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner, repo, ref: sha, check_name: name, filter: "latest", per_page: PER_PAGE, request });
      const runs = (r.data.check_runs ?? []) as CheckRunInfo[];
      const c = runs.find((x) => (x.external_id ?? "").startsWith("lockreview:"));
      return c ? { id: Number(c.id), status: c.status, conclusion: c.conclusion ?? null, external_id: c.external_id ?? null, started_at: c.started_at ?? null } : null;
    },
    async createCheckRun(run) {
      const r = await req("POST /repos/{owner}/{repo}/check-runs", { owner, repo, ...run, status: "in_progress", request });
      return Number(r.data.id);
    },
    async updateCheckRun(check_run_id, update) {
      await req("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner, repo, check_run_id, ...update, request });
    },
    async reviewThreads() {
      const out: ReviewThread[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const data: ThreadsPage = await gql<ThreadsPage>(THREADS_QUERY, { owner, name: repo, number: pull_number, after, request });
        const t = data.repository?.pullRequest?.reviewThreads;
        if (!t) break;
        for (const n of t.nodes) out.push({ id: n.id, isResolved: n.isResolved, rootCommentId: n.comments.nodes[0]?.databaseId ?? null, rootMinimized: !!n.comments.nodes[0]?.isMinimized });
        if (!t.pageInfo.hasNextPage) break;
        after = t.pageInfo.endCursor;
      }
      return out;
    },
    async resolveThread(threadId) {
      await gql(`mutation lockreviewResolve($threadId: ID!) { resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } } }`, { threadId, request });
    },
    async minimizeComment(subjectId) {
      await gql(`mutation lockreviewMinimize($subjectId: ID!) { minimizeComment(input: { subjectId: $subjectId, classifier: OUTDATED }) { minimizedComment { isMinimized } } }`, { subjectId, request });
    },
  };
}

/** HTTP status and message of an API error, for logs and check runs (never headers or tokens). */
export function describeError(e: unknown): string {
  const err = e as { status?: number; message?: string; name?: string };
  if (err?.name === "AbortError" || err?.name === "TimeoutError") return "the request was aborted at the time budget";
  const msg = (err?.message ?? String(e)).split("\n")[0]!.slice(0, 300);
  return err?.status ? `HTTP ${err.status}: ${msg}` : msg;
}
