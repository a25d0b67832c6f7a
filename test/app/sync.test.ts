// Pushes, redeliveries and cleanup: no duplicate comments, threads of
// findings that disappeared are resolved unless a human answered, a result
// for an old head is dropped, the same webhook delivered twice posts once.
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { commitSha } from "../../scripts/github-stub.mjs";
import { markersIn, reviewMarker } from "../../src/app/comments.js";
import { makeProbot, prPayload, XDEV, xdevBad, xdevBase, xdevFixed } from "./helpers.js";
import { CHECK_ID, completion, mockGitHub } from "./nockGitHub.js";

const BASE = commitSha("base");
const HEAD1 = commitSha("head-1");
const HEAD2 = commitSha("head-2");
const bot = { login: "lockreview[bot]", type: "Bot" };
const human = { login: "maintainer", type: "User" };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The bad tree pushed again with an unrelated change above the bug: every line moves by two. */
function xdevBadMoved(): Record<string, string> {
  return { [XDEV]: xdevBad()[XDEV]!.replace("#include <linux/module.h>\n", "#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/slab.h>\n") };
}

/** Open the PR (HEAD1, with the bug) and return what the app posted, as GitHub would list it afterwards. */
async function openWithBug(probot = makeProbot()) {
  const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
  await probot.receive({ id: "open-1", name: "pull_request", payload: prPayload("opened", { head: HEAD1, base: BASE }) as any });
  expect(sent.reviews).toHaveLength(1);
  const r = sent.reviews[0];
  const reviews = [{ id: 9, body: r.body, commit_id: HEAD1, state: "COMMENTED", user: bot }];
  const comments = r.comments.map((c: any, i: number) => ({ id: 11 + i, node_id: `PRRC_${11 + i}`, body: c.body, path: c.path, line: c.line, user: bot }));
  nock.cleanAll();
  return { probot, reviews, comments, fp: markersIn(r.comments[0].body)[0]!.fp };
}

describe("pull_request.synchronize", () => {
  test("a finding already posted (same fingerprint, moved lines) is not posted again", async () => {
    const { probot, reviews, comments } = await openWithBug();
    const { scope, sent } = mockGitHub({ base: xdevBase(), head: xdevBadMoved(), headSha: HEAD2, reviews, comments, token: false });
    await probot.receive({ id: "sync-1", name: "pull_request", payload: prPayload("synchronize", { head: HEAD2, base: BASE }) as any });
    expect(scope.pendingMocks()).toEqual([]);
    expect(sent.reviews).toEqual([]);
    expect(sent.fileComments).toEqual([]);
    expect(sent.graphql).toEqual([]); // nothing to resolve
    const done = completion(sent);
    expect(done.conclusion).toBe("failure"); // the error is still there
    expect(done.output.summary).toContain("already reported on an earlier push");
  });

  test("a push that fixes the bug resolves the app's thread", async () => {
    const { probot, reviews, comments } = await openWithBug();
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevFixed(), headSha: HEAD2, reviews, comments, token: false });
    await probot.receive({ id: "sync-2", name: "pull_request", payload: prPayload("synchronize", { head: HEAD2, base: BASE }) as any });
    expect(sent.reviews).toEqual([]);
    expect(sent.graphql.map((g) => /mutation (\w+)/.exec(g.query)?.[1] ?? "query")).toEqual(["query", "lockreviewResolve"]);
    expect(sent.graphql[1].variables).toEqual({ threadId: "PRRT_11" });
    const done = completion(sent);
    expect(done.conclusion).toBe("success");
    expect(done.output.summary).toContain("1 earlier thread(s) closed");
  });

  test("a thread a human answered is never touched", async () => {
    const { probot, reviews, comments } = await openWithBug();
    const answered = [...comments, { id: 50, node_id: "PRRC_50", body: "Good catch, fixing.", path: XDEV, in_reply_to_id: 11, user: human }];
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevFixed(), headSha: HEAD2, reviews, comments: answered, token: false });
    await probot.receive({ id: "sync-3", name: "pull_request", payload: prPayload("synchronize", { head: HEAD2, base: BASE }) as any });
    expect(sent.graphql).toEqual([]);
    expect(completion(sent).conclusion).toBe("success");
  });

  test("when resolving is refused, the comment is minimised as outdated (never deleted)", async () => {
    const { probot, reviews, comments } = await openWithBug();
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevFixed(), headSha: HEAD2, reviews, comments, token: false, threads: [] });
    await probot.receive({ id: "sync-4", name: "pull_request", payload: prPayload("synchronize", { head: HEAD2, base: BASE }) as any });
    expect(sent.graphql.map((g) => /mutation (\w+)/.exec(g.query)?.[1] ?? "query")).toEqual(["query", "lockreviewMinimize"]);
    expect(sent.graphql[1].variables).toEqual({ subjectId: "PRRC_11" });
    expect(sent.requests.some((r) => r.startsWith("DELETE"))).toBe(false);
  });

  test("with request-changes, the app's earlier 'changes requested' review is dismissed once no error is left", async () => {
    const { probot, reviews, comments } = await openWithBug();
    const requested = reviews.map((r) => ({ ...r, state: "CHANGES_REQUESTED" }));
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevFixed(), headSha: HEAD2, reviews: requested, comments, token: false, config: "github:\n  request-changes: true\n" });
    await probot.receive({ id: "sync-5", name: "pull_request", payload: prPayload("synchronize", { head: HEAD2, base: BASE }) as any });
    expect(sent.dismissals).toEqual([{ id: 9, body: { message: `lockreview: no errors remain at ${HEAD2.slice(0, 7)}.` } }]);
  });

  test("a result for a head that moved during the analysis is dropped", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, headNow: HEAD2 });
    await makeProbot().receive({ id: "moved-1", name: "pull_request", payload: prPayload("synchronize", { head: HEAD1, base: BASE }) as any });
    expect(sent.reviews).toEqual([]);
    expect(sent.requests.some((r) => r.includes("/comments"))).toBe(false);
    expect(completion(sent)).toEqual(expect.objectContaining({ status: "completed", conclusion: "neutral", external_id: "lockreview:v1:superseded" }));
    expect(completion(sent).output.summary).toContain(`moved to ${HEAD2.slice(0, 7)}`);
  });
});

describe("redelivery", () => {
  test("the same delivery received twice posts one review", async () => {
    const probot = makeProbot();
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    const payload = prPayload("opened", { head: HEAD1, base: BASE }) as any;
    await Promise.all([probot.receive({ id: "same", name: "pull_request", payload }), probot.receive({ id: "same", name: "pull_request", payload })]);
    await probot.receive({ id: "same", name: "pull_request", payload });
    expect(sent.reviews).toHaveLength(1);
    expect(sent.checkCreate).toHaveLength(1);
  });

  test("two deliveries for the same head arriving together (opened, then reopened) review it once", async () => {
    const probot = makeProbot();
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    await Promise.all([
      probot.receive({ id: "a", name: "pull_request", payload: prPayload("opened", { head: HEAD1, base: BASE }) as any }),
      probot.receive({ id: "b", name: "pull_request", payload: prPayload("reopened", { head: HEAD1, base: BASE }) as any }),
    ]);
    expect(sent.reviews).toHaveLength(1);
    expect(sent.checkCreate).toHaveLength(1);
  });

  test("another delivery for an already reviewed head (reopened, or a restarted app) posts nothing", async () => {
    const reviewed = [{ id: CHECK_ID, status: "completed", conclusion: "failure", external_id: "lockreview:v1:reviewed", started_at: new Date().toISOString() }];
    const { scope, sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, checkRuns: reviewed });
    await makeProbot().receive({ id: "reopen-1", name: "pull_request", payload: prPayload("reopened", { head: HEAD1, base: BASE }) as any });
    expect(sent.reviews).toEqual([]);
    expect(sent.checkCreate).toEqual([]);
    expect(sent.requests.filter((r) => !/access_tokens|lockreview\.yml|check-runs\?/.test(r))).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  test("a review already posted for the head is not posted again, even if the check run was lost", async () => {
    const reviews = [{ id: 9, body: `x ${reviewMarker(HEAD1)}`, commit_id: HEAD1, state: "COMMENTED", user: bot }];
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, reviews });
    await makeProbot().receive({ id: "again-1", name: "pull_request", payload: prPayload("opened", { head: HEAD1, base: BASE }) as any });
    expect(sent.reviews).toEqual([]);
    expect(completion(sent).output.summary).toContain("already reviewed");
  });
});
