// nock interceptors for one pull request on api.github.com, built from a
// base and a head tree (file payloads made the way GitHub makes them:
// git-style hunks with 3 lines of context). Every request the app makes is
// recorded, so tests assert on what was sent.
import nock from "nock";
import { blobSha, prFiles, type StubFile, type Tree } from "../../scripts/github-stub.mjs";
import { FULL, INSTALLATION, NUMBER, OWNER, REPO } from "./helpers.js";

export const API = "https://api.github.com";
export const CHECK_ID = 7;

export interface Sent {
  checkCreate: any[];
  checkUpdates: any[];
  reviews: any[];
  fileComments: any[];
  dismissals: { id: number; body: any }[];
  graphql: any[];
  requests: string[];
}

export interface MockOptions {
  base: Tree;
  head: Tree;
  headSha: string;
  /** Override the files (e.g. binary entries without patch). */
  files?: StubFile[];
  /** What `GET pulls/n` answers as the head (default headSha). */
  headNow?: string;
  reviews?: any[];
  comments?: any[];
  checkRuns?: any[];
  /** Config file text on the default branch (repository). */
  config?: string;
  /** Answer blob requests with this status instead. */
  blobStatus?: number;
  /** GraphQL review threads (default: one per root comment). */
  threads?: { id: string; isResolved: boolean; root: number }[];
  /** Token request expected (false when the token is cached from an earlier event). */
  token?: boolean;
  repo?: string;
  number?: number;
  /** Replies to the first file listing before the real one (e.g. a secondary rate limit). */
  filesFirst?: { status: number; body: unknown; headers?: Record<string, string> }[];
}

/** Directory listing of a tree (files only). */
function listing(tree: Tree, dir: string) {
  return Object.entries(tree)
    .filter(([p]) => p.slice(0, p.lastIndexOf("/")) === dir)
    .map(([p, t]) => ({ name: p.slice(p.lastIndexOf("/") + 1), path: p, sha: blobSha(t), size: Buffer.byteLength(t), type: "file" }));
}

export function mockGitHub(o: MockOptions): { scope: nock.Scope; sent: Sent; files: StubFile[] } {
  const repo = o.repo ?? REPO;
  const number = o.number ?? NUMBER;
  const full = `${OWNER}/${repo}`;
  const files = o.files ?? prFiles(o.base, o.head);
  const sent: Sent = { checkCreate: [], checkUpdates: [], reviews: [], fileComments: [], dismissals: [], graphql: [], requests: [] };
  const scope = nock(API);
  scope.on("request", (req: any) => sent.requests.push(`${req.method} ${req.path}`));
  if (o.token !== false) scope.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: "ghs_test_token", expires_at: new Date(Date.now() + 3600e3).toISOString() });
  if (o.config === undefined) {
    scope.get(`/repos/${full}/contents/.github%2Flockreview.yml`).reply(404, { message: "Not Found" });
    scope.get(`/repos/${OWNER}/.github/contents/.github%2Flockreview.yml`).reply(404, { message: "Not Found" });
  } else {
    scope.get(`/repos/${full}/contents/.github%2Flockreview.yml`).reply(200, o.config, { "content-type": "application/vnd.github.v3.raw; charset=utf-8" });
  }
  scope.get(`/repos/${full}/commits/${o.headSha}/check-runs`).query(true).reply(200, { total_count: (o.checkRuns ?? []).length, check_runs: o.checkRuns ?? [] });
  scope.post(`/repos/${full}/check-runs`, (b) => (sent.checkCreate.push(b), true)).optionally().reply(201, { id: CHECK_ID });
  for (const r of o.filesFirst ?? []) scope.get(`/repos/${full}/pulls/${number}/files`).query({ per_page: 100 }).reply(r.status, r.body as any, r.headers);
  scope.get(`/repos/${full}/pulls/${number}/files`).query({ per_page: 100 }).optionally().reply(200, files);
  const dirs = new Set(Object.keys(o.head).map((p) => p.slice(0, p.lastIndexOf("/"))));
  for (const d of dirs) scope.get(`/repos/${full}/contents/${encodeURIComponent(d)}`).query({ ref: o.headSha }).optionally().reply(200, listing(o.head, d));
  for (const text of new Set(Object.values(o.head))) {
    const i = scope.get(`/repos/${full}/git/blobs/${blobSha(text)}`).optionally();
    if (o.blobStatus) i.reply(o.blobStatus, { message: "Server Error" });
    else i.reply(200, { sha: blobSha(text), encoding: "base64", content: Buffer.from(text).toString("base64"), size: text.length });
  }
  scope.get(`/repos/${full}/pulls/${number}`).optionally().times(3).reply(200, { number, state: "open", draft: false, title: "xdev: a change", body: null, head: { sha: o.headNow ?? o.headSha }, base: { sha: "0".repeat(40), ref: "main" } });
  scope.get(`/repos/${full}/pulls/${number}/reviews`).query({ per_page: 100 }).optionally().reply(200, o.reviews ?? []);
  scope.get(`/repos/${full}/pulls/${number}/comments`).query({ per_page: 100 }).optionally().reply(200, o.comments ?? []);
  scope.post(`/repos/${full}/pulls/${number}/reviews`, (b) => (sent.reviews.push(b), true)).optionally().times(5).reply(200, { id: 99 });
  scope.post(`/repos/${full}/pulls/${number}/comments`, (b) => (sent.fileComments.push(b), true)).optionally().times(30).reply(201, { id: 100 });
  for (const r of o.reviews ?? []) {
    scope.put(`/repos/${full}/pulls/${number}/reviews/${r.id}/dismissals`, (b) => (sent.dismissals.push({ id: r.id, body: b }), true)).optionally().reply(200, { id: r.id, state: "DISMISSED" });
  }
  scope.patch(`/repos/${full}/check-runs/${CHECK_ID}`, (b) => (sent.checkUpdates.push(b), true)).optionally().times(100).reply(200, { id: CHECK_ID });
  scope
    .post("/graphql", (b) => (sent.graphql.push(b), true))
    .optionally()
    .times(20)
    .reply(200, (_uri, body: any) => {
      if (/reviewThreads/.test(body.query)) {
        const threads = o.threads ?? (o.comments ?? []).filter((c) => c.in_reply_to_id === undefined).map((c) => ({ id: `PRRT_${c.id}`, isResolved: false, root: c.id }));
        return { data: { repository: { pullRequest: { reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: threads.map((t) => ({ id: t.id, isResolved: t.isResolved, comments: { nodes: [{ databaseId: t.root, isMinimized: false }] } })) } } } } };
      }
      if (/resolveReviewThread/.test(body.query)) return { data: { resolveReviewThread: { thread: { id: body.variables.threadId, isResolved: true } } } };
      if (/minimizeComment/.test(body.query)) return { data: { minimizeComment: { minimizedComment: { isMinimized: true } } } };
      return { errors: [{ message: "unexpected query" }] };
    });
  return { scope, sent, files };
}

/** The last check-run update (the completion). */
export function completion(sent: Sent): any {
  return sent.checkUpdates.at(-1);
}

export { FULL };
