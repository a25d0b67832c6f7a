// "Re-run" of the lockreview check run (check_run.rerequested, a real
// @octokit/webhooks-examples payload): the head is reviewed again in a new
// check run, even though it was reviewed; comments already posted are not
// repeated.
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { commitSha } from "../../scripts/github-stub.mjs";
import { FULL, makeProbot, NUMBER, rerequestedPayload, xdevBad, xdevBase } from "./helpers.js";
import { API, completion, mockGitHub } from "./nockGitHub.js";

const HEAD1 = commitSha("head-1");
const reviewedRun = { id: 5, status: "completed", conclusion: "failure", external_id: "lockreview:v1:reviewed", started_at: new Date().toISOString(), name: "lockreview" };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("check_run.rerequested", () => {
  test("reviews the head again in a new check run, though a finished run says it was reviewed", async () => {
    const { sent } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, checkRuns: [reviewedRun] });
    await makeProbot().receive({ id: "rr-1", name: "check_run", payload: rerequestedPayload({ head: HEAD1 }) as any });
    expect(sent.checkCreate).toEqual([expect.objectContaining({ name: "lockreview", head_sha: HEAD1 })]);
    expect(completion(sent)).toEqual(expect.objectContaining({ status: "completed", conclusion: "failure", external_id: "lockreview:v1:reviewed" }));
    expect(sent.reviews).toHaveLength(1);
    expect(sent.requests).toContain(`GET /repos/${FULL}/pulls/${NUMBER}`);
  });

  test("a fork's pull request (not listed in the check run) is found by its commit", async () => {
    const { sent, scope } = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    scope.get(`/repos/${FULL}/commits/${HEAD1}/pulls`).query(true).reply(200, [{ number: NUMBER, state: "open", title: "xdev: from a fork", body: null, head: { sha: HEAD1 }, base: { sha: "0".repeat(40) } }]);
    await makeProbot().receive({ id: "rr-2", name: "check_run", payload: rerequestedPayload({ head: HEAD1, listed: false }) as any });
    expect(sent.reviews).toHaveLength(1);
    expect(completion(sent).external_id).toBe("lockreview:v1:reviewed");
  });

  test("another app's check run is none of our business; nothing is requested", async () => {
    const scope = nock(API);
    const seen: string[] = [];
    scope.on("request", (req: any) => seen.push(req.path));
    await makeProbot().receive({ id: "rr-3", name: "check_run", payload: rerequestedPayload({ head: HEAD1, name: "ci/build" }) as any });
    expect(seen).toEqual([]);
  });
});
