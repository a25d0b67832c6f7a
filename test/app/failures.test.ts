// Failure isolation and bounds: a bad PR (huge, binary, unparseable, API
// errors) ends in a check run that says what went wrong, never in an
// exception out of the webhook handler.
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { blobSha, commitSha, prFiles } from "../../scripts/github-stub.mjs";
import { DEFAULT_BOUNDS } from "../../src/app/context.js";
import { FULL, makeProbot, NUMBER, OWNER, prPayload, XDEV, xdevBad, xdevBase } from "./helpers.js";
import { API, completion, mockGitHub } from "./nockGitHub.js";

const BASE = commitSha("base");
const HEAD1 = commitSha("head-1");

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const opened = (extra: Parameters<typeof prPayload>[1] | object = {}) => prPayload("opened", { head: HEAD1, base: BASE, ...extra }) as any;

describe("API errors", () => {
  test("a 500 on the file contents: the file is reviewed from its hunks and the check run names the error", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, blobStatus: 500 });
    await makeProbot().receive({ id: "e-1", name: "pull_request", payload: opened() });
    const done = completion(sent);
    expect(done.status).toBe("completed");
    expect(done.external_id).toBe("lockreview:v1:reviewed");
    expect(done.output.summary).toContain("**Problems:**");
    expect(done.output.summary).toMatch(/could not fetch drivers\/block\/xdev\.c at [0-9a-f]{7}: HTTP 500/);
    expect(done.output.summary).toContain("**Reviewed from hunks only:**");
  });

  test("a 500 on the file list: a neutral check run says what went wrong; the delivery still succeeds", async () => {
    const scope = nock(API);
    const updates: any[] = [];
    scope.post("/app/installations/2/access_tokens").reply(201, { token: "ghs_test_token" });
    scope.get(`/repos/${FULL}/contents/.github%2Flockreview.yml`).reply(404);
    scope.get(`/repos/${OWNER}/.github/contents/.github%2Flockreview.yml`).reply(404);
    scope.get(`/repos/${FULL}/commits/${HEAD1}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    scope.post(`/repos/${FULL}/check-runs`).reply(201, { id: 7 });
    scope.get(`/repos/${FULL}/pulls/${NUMBER}/files`).query(true).reply(500, { message: "Server Error" });
    scope.patch(`/repos/${FULL}/check-runs/7`, (b) => (updates.push(b), true)).reply(200, {});
    const probot = makeProbot();
    await expect(probot.receive({ id: "e-2", name: "pull_request", payload: opened() })).resolves.toBeUndefined();
    expect(scope.pendingMocks()).toEqual([]);
    expect(updates).toEqual([
      expect.objectContaining({ status: "completed", conclusion: "neutral", external_id: "lockreview:v1:failed", output: expect.objectContaining({ title: "lockreview could not review this pull request" }) }),
    ]);
    expect(updates[0].output.summary).toContain("While listing the pull request's files: HTTP 500");

    // GitHub's "Redeliver" of the failed delivery retries it.
    nock.cleanAll();
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, token: false });
    await probot.receive({ id: "e-2", name: "pull_request", payload: opened() });
    expect(sent.reviews).toHaveLength(1);
  });

  test("without permission to create check runs, the review is still posted", async () => {
    const { sent, scope } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    // Take over the check-run creation: 403.
    nock.removeInterceptor({ hostname: "api.github.com", proto: "https", method: "POST", path: `/repos/${FULL}/check-runs` });
    scope.post(`/repos/${FULL}/check-runs`).reply(403, { message: "Resource not accessible by integration" });
    await makeProbot().receive({ id: "e-3", name: "pull_request", payload: opened() });
    expect(sent.reviews).toHaveLength(1);
    expect(sent.checkUpdates).toEqual([]);
  });

  test("if GitHub still refuses the inline comments (422), they move to the review body", async () => {
    const { scope, sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    nock.removeInterceptor({ hostname: "api.github.com", proto: "https", method: "POST", path: `/repos/${FULL}/pulls/${NUMBER}/reviews` });
    const bodies: any[] = [];
    scope
      .post(`/repos/${FULL}/pulls/${NUMBER}/reviews`, (b) => (bodies.push(b), true))
      .times(2)
      .reply((_u, b: any) => (b.comments.length ? [422, { message: "Pull request review thread line must be part of the diff" }] : [200, { id: 5 }]));
    await makeProbot().receive({ id: "e-4", name: "pull_request", payload: opened() });
    expect(bodies.map((b) => b.comments.length)).toEqual([1, 0]);
    expect(bodies[1].body).toContain("**Not on the diff of this pull request:**");
    expect(bodies[1].body).toContain("lock-across-del-gendisk");
    expect(completion(sent).output.summary).toContain("GitHub refused the inline comments");
  });
});

describe("bounds and odd files", () => {
  /** The bad xdev plus a second driver file in the same directory. */
  const twoFiles = () => {
    const extra = "// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n\nstatic int xdev_ctl_get(void)\n{\n\treturn 0;\n}\n";
    const base = { ...xdevBase(), "drivers/block/xdev_ctl.c": extra };
    const head = { ...xdevBad(), "drivers/block/xdev_ctl.c": extra.replace("return 0;", "return 1;") };
    return { base, head };
  };

  test("a PR over the bound of fetched files: the rest is reviewed from hunks, and the summary says so", async () => {
    const { base, head } = twoFiles();
    const { sent } = mockGitHub({ base, head, headSha: HEAD1 });
    await makeProbot({ bounds: { ...DEFAULT_BOUNDS, maxFiles: 1 } }).receive({ id: "b-1", name: "pull_request", payload: opened() });
    const done = completion(sent);
    expect(done.output.summary).toMatch(/2 C files \(1 with whole-file context, 1 from hunks only\)/);
    expect(done.output.summary).toContain("over the bound of 1 files fetched per pull request");
    expect(sent.reviews[0].body).toContain("Reviewed from the diff hunks only: `drivers/block/xdev_ctl.c`");
    // The file that fitted is still reviewed with whole-file context and finds the bug.
    expect(sent.reviews[0].comments).toHaveLength(1);
  });

  test("files larger than the per-file bound are reviewed from hunks", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    await makeProbot({ bounds: { ...DEFAULT_BOUNDS, maxFileBytes: 100 } }).receive({ id: "b-2", name: "pull_request", payload: opened() });
    expect(completion(sent).output.summary).toContain("`drivers/block/xdev.c`: larger than 0 KiB");
  });

  test("binary files and files without a patch are reported, not ignored", async () => {
    const head = { ...xdevBad(), "drivers/block/logo.png": "\x89PNG" };
    const files = [...prFiles(xdevBase(), xdevBad()), { sha: blobSha("\x89PNG"), filename: "drivers/block/logo.png", status: "added", additions: 0, deletions: 0, changes: 0 }];
    const { sent } = mockGitHub({ base: xdevBase(), head, headSha: HEAD1, files });
    await makeProbot().receive({ id: "b-3", name: "pull_request", payload: opened() });
    expect(completion(sent).output.summary).toContain("**Not reviewed:**\n- `drivers/block/logo.png`: no diff from the API (binary, or too large)");
    expect(sent.reviews[0].body).toContain("Not reviewed: `drivers/block/logo.png`");
  });

  test("a patch that cannot be parsed is reported and the rest is reviewed", async () => {
    const files = prFiles(xdevBase(), xdevBad());
    const broken = { ...files[0]!, filename: "drivers/block/broken.c", patch: "@@ -1,5 +1,5 @@\n a\n-b\n+c\n" };
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, files: [...files, broken] });
    await makeProbot().receive({ id: "b-4", name: "pull_request", payload: opened() });
    expect(completion(sent).output.summary).toMatch(/`drivers\/block\/broken\.c`: its diff could not be read: /);
    expect(sent.reviews[0].comments).toHaveLength(1);
  });

  test("more files than GitHub lists (3,000): the summary says how many were not seen", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    await makeProbot().receive({ id: "b-5", name: "pull_request", payload: opened({ changedFiles: 3500 }) });
    expect(completion(sent).output.summary).toContain("GitHub lists at most 3000 files of a pull request; 3499 of 3500 files were not seen");
  });

  test("the time budget: files not fetched in time are reviewed from hunks", async () => {
    let t = 0;
    const clock = { now: () => (t += 40_000) }; // every look at the clock costs 40 s
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    await makeProbot({ clock, budgetMs: 100_000 }).receive({ id: "b-6", name: "pull_request", payload: opened() });
    expect(completion(sent).output.summary).toContain("**Reviewed from hunks only:**\n- `drivers/block/xdev.c`: its directory was not listed");
    expect(sent.requests.some((r) => r.includes("/git/blobs/"))).toBe(false);
  });
});

describe("configuration", () => {
  test("request-changes and max-comments from .github/lockreview.yml", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, config: "github:\n  request-changes: true\n  max-comments: 0\n" });
    await makeProbot().receive({ id: "c-1", name: "pull_request", payload: opened() });
    expect(sent.reviews[0].event).toBe("REQUEST_CHANGES");
    expect(sent.reviews[0].comments).toEqual([]);
    expect(sent.reviews[0].body).toContain("**Not on the diff of this pull request:**");
  });

  test("fail-check-on-errors: false keeps the check run neutral", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, config: "github:\n  fail-check-on-errors: false\n" });
    await makeProbot().receive({ id: "c-2", name: "pull_request", payload: opened() });
    expect(completion(sent).conclusion).toBe("neutral");
  });

  test("an invalid configuration on the default branch is reported and the defaults are used", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, config: "github:\n  max-comments: 500\n" });
    await makeProbot().receive({ id: "c-3", name: "pull_request", payload: opened() });
    const summary: string = completion(sent).output.summary;
    expect(summary).toContain("**Configuration:**");
    expect(summary).toContain(".github/lockreview.yml on the default branch is invalid, the defaults are used: github.max-comments:");
    expect(sent.reviews[0].comments).toHaveLength(1);
  });

  test("a misspelt rule id on the default branch: the check run says 'did you mean', and the rule still runs", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, config: "rules:\n  lock-across-del-gendsk: off\n" });
    await makeProbot().receive({ id: "c-5", name: "pull_request", payload: opened() });
    const summary: string = completion(sent).output.summary;
    expect(summary).toContain("**Configuration:**");
    expect(summary).toContain("rules.lock-across-del-gendsk: unknown rule (did you mean lock-across-del-gendisk?); the setting is ignored");
    expect(sent.reviews[0].comments).toHaveLength(1);
  });

  test("a PR that changes the configuration gets its validation errors in the check run", async () => {
    const cfg = "rules:\n  lock-across-del-gendisk: off\nfail-on: sometimes\n";
    const head = { ...xdevBad(), ".github/lockreview.yml": cfg };
    const { sent } = mockGitHub({ base: xdevBase(), head, headSha: HEAD1 });
    await makeProbot().receive({ id: "c-4", name: "pull_request", payload: opened() });
    const done = completion(sent);
    expect(done.conclusion).toBe("failure");
    expect(done.output.title).toContain(".github/lockreview.yml is invalid");
    expect(done.output.summary).toContain("- line 3: fail-on:");
    expect(done.output.annotations).toContainEqual(expect.objectContaining({ path: ".github/lockreview.yml", start_line: 3, annotation_level: "failure" }));
  });
});

describe("secondary rate limits", () => {
  test("are retried with backoff through the app's throttle handler (Probot's default gives up)", async () => {
    const { Probot, ProbotOctokit } = await import("probot");
    const { createApp } = await import("../../src/app/index.js");
    const { privateKey } = await import("./helpers.js");
    // The file listing hits a secondary rate limit twice, then succeeds.
    const limited = { status: 403, body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." }, headers: { "retry-after": "2" } };
    const { sent } = mockGitHub({
      base: xdevBase(),
      head: xdevBad(),
      headSha: HEAD1,
      filesFirst: [limited, limited],
    });
    const sleeps: number[] = [];
    // Throttling on (as in production), retries of the retry plugin off; 1 ms per retry-after second.
    const probot = new Probot({ appId: 123, privateKey: privateKey(), logLevel: "fatal", Octokit: ProbotOctokit.defaults({ retry: { enabled: false } }) });
    probot.load(createApp({ rateLimit: { secondaryRetries: 3, primaryRetries: 2, secondUnitMs: 1, sleep: async (ms) => void sleeps.push(ms) } }));
    await probot.receive({ id: "r-1", name: "pull_request", payload: opened() });
    expect(sent.reviews).toHaveLength(1);
    expect(sent.requests.filter((r) => r.includes("/files")).length).toBe(3);
    // retry-after 2 s: plugin-throttling waits it before each retry; the handler adds
    // 2 × (2^n − 1) s more on the n-th repeated hit (here: 0, then 2 "seconds" of 1 ms).
    expect(sleeps).toEqual([2]);
  }, 30_000);
});
