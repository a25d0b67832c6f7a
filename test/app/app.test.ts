// The GitHub App on real webhook payloads (@octokit/webhooks-examples),
// against api.github.com intercepted with nock.
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { commitSha, rightLinesOf } from "../../scripts/github-stub.mjs";
import { markersIn } from "../../src/app/comments.js";
import { FULL, lineOf, makeProbot, NUMBER, prPayload, XDEV, xdevBad, xdevBase, xdevFixed, xdevLeak } from "./helpers.js";
import { CHECK_ID, completion, mockGitHub } from "./nockGitHub.js";

const BASE = commitSha("base");
const HEAD1 = commitSha("head-1");
const HEAD2 = commitSha("head-2");

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const bot = { login: "lockreview[bot]", type: "Bot" };

describe("pull_request.opened", () => {
  test("lists the files, fetches the contents, posts one review anchored on the line that adds the bug, and fails the check run", async () => {
    const head = xdevBad();
    const { scope, sent } = mockGitHub({ base: xdevBase(), head, headSha: HEAD1 });
    const probot = makeProbot();
    await probot.receive({ id: "d-1", name: "pull_request", payload: prPayload("opened", { head: HEAD1, base: BASE }) as any });

    expect(scope.pendingMocks()).toEqual([]);
    expect(sent.requests.some((r) => r.startsWith(`GET /repos/${FULL}/git/blobs/`))).toBe(true);
    expect(sent.reviews).toHaveLength(1);
    const review = sent.reviews[0];
    expect(review.commit_id).toBe(HEAD1);
    expect(review.event).toBe("COMMENT");
    const line = lineOf(head[XDEV]!, "xdev_remove(xd);", 40);
    expect(review.comments).toEqual([{ path: XDEV, line, side: "RIGHT", body: expect.stringContaining("lock-across-del-gendisk") }]);
    const body: string = review.comments[0].body;
    expect(body).toContain("```text\n Possible unsafe locking scenario:");
    expect(body).toContain("*** DEADLOCK ***");
    expect(body).toContain("**Fix:**");
    expect(body).toContain("syzbot 0fe7752e52337864d29b");
    expect(body).toContain("confidence: high");
    expect(body).toContain("context: whole files and the driver's other files at");
    expect(markersIn(body)).toEqual([{ rule: "lock-across-del-gendisk", fp: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    expect(review.body).toContain("1 error introduced");

    expect(sent.checkCreate).toEqual([expect.objectContaining({ name: "lockreview", head_sha: HEAD1, status: "in_progress" })]);
    const done = completion(sent);
    expect(done).toEqual(expect.objectContaining({ status: "completed", conclusion: "failure", external_id: "lockreview:v1:reviewed" }));
    expect(done.output.title).toBe("1 error introduced");
    expect(done.output.text).toContain("ERROR: lock-across-del-gendisk:");
    expect(done.output.annotations).toEqual([expect.objectContaining({ path: XDEV, start_line: line, annotation_level: "failure" })]);
  });

  test("every inline anchor is a RIGHT line of the file's hunks, so GitHub never answers 422", async () => {
    const head = xdevBad();
    const { sent, files } = mockGitHub({ base: xdevBase(), head, headSha: HEAD1 });
    await makeProbot().receive({ id: "d-2", name: "pull_request", payload: prPayload("opened", { head: HEAD1, base: BASE }) as any });
    const right = rightLinesOf(files[0]!.patch);
    for (const c of sent.reviews[0].comments) {
      expect(c.side).toBe("RIGHT");
      expect(right.has(c.line)).toBe(true);
      expect(c.start_line).toBeUndefined();
    }
  });

  test("a finding outside the diff becomes a file-level comment, not an inline one", async () => {
    const { base, head } = xdevLeak();
    const { sent } = mockGitHub({ base, head, headSha: HEAD1 });
    await makeProbot().receive({ id: "d-3", name: "pull_request", payload: prPayload("opened", { head: HEAD1, base: BASE }) as any });
    expect(sent.reviews).toHaveLength(1);
    expect(sent.reviews[0].comments).toEqual([]);
    expect(sent.fileComments).toEqual([
      { commit_id: HEAD1, path: XDEV, subject_type: "file", body: expect.stringContaining("wq-not-drained-on-exit") },
    ]);
    // One defect, one comment: on the teardown that lost its wait, not also on the allocation.
    const teardown = lineOf(head[XDEV]!, "static void xdev_remove(");
    expect(sent.fileComments[0].body).toContain(`Line ${teardown} in \`xdev_remove()\`, outside this pull request's diff`);
    expect(sent.fileComments[0].body).toContain("destroy_workqueue(xd-&gt;io_wq) removed");
    expect(sent.fileComments[0].body).not.toContain("Possible unsafe locking scenario"); // warnings carry no scenario
    // Warnings do not fail the check run by default (fail-on: error).
    expect(completion(sent)).toEqual(expect.objectContaining({ conclusion: "neutral" }));
  });

  test("drafts are skipped unless configured", async () => {
    const draft = prPayload("opened", { head: HEAD1, base: BASE, draft: true });
    const a = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1 });
    await makeProbot().receive({ id: "d-4", name: "pull_request", payload: draft as any });
    expect(a.sent.checkCreate).toEqual([]);
    expect(a.sent.reviews).toEqual([]);
    nock.cleanAll();

    const b = mockGitHub({ base: xdevBase(), head: xdevBad(), headSha: HEAD1, config: "github:\n  drafts: true\n" });
    await makeProbot().receive({ id: "d-5", name: "pull_request", payload: draft as any });
    expect(b.sent.reviews).toHaveLength(1);
  });
});
