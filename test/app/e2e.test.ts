// End to end with the real server: `probot run ./lib/src/app/index.js` as a
// child process, pointed at a local stub of GitHub's REST and GraphQL API
// (scripts/github-stub.mjs, 127.0.0.1, no network) through
// GHE_HOST/GHE_PROTOCOL, with webhooks signed like GitHub signs them.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startGitHubStub, type GitHubStub } from "../../scripts/github-stub.mjs";
import { markersIn } from "../../src/app/comments.js";
import { ROOT } from "../ingest/helpers.js";
import { startAppServer, type AppServer } from "./appServer.js";
import { FULL, lineOf, NUMBER, privateKey, prPayload, XDEV, xdevBad, xdevBase, xdevFixed } from "./helpers.js";

let stub: GitHubStub;
let app: AppServer;
const deliver = (id: string, payload: unknown, signature?: string) => app.deliver(id, payload, signature ? { signature } : {});

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-if-stale.mjs")], { cwd: ROOT, stdio: "inherit" });
  stub = await startGitHubStub({ token: "ghs_e2e_secret_installation_token" });
  app = await startAppServer([join(ROOT, "node_modules", "probot", "bin", "probot.js"), "run", "./lib/src/app/index.js"], stub.host, {}, ROOT);
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await stub?.close();
  if (process.env.E2E_LOGS) console.log(app?.logs());
});

describe("probot run with the app, against a local GitHub", () => {
  test("a webhook with a bad signature gets 400 and changes nothing", async () => {
    const r = await deliver("bad-sig", { action: "opened" }, "sha256=" + "0".repeat(64));
    expect(r.status).toBe(400);
    expect(r.text).toContain("signature does not match");
    expect(stub.requests).toEqual([]);
  });

  test("a PR that introduces lock-across-del-gendisk gets one review on the right line and a failing check run; the push that fixes it resolves the thread", async () => {
    const bad = xdevBad();
    const { baseSha, headSha } = stub.setPullRequest(FULL, NUMBER, { base: xdevBase(), head: bad, label: "head-1" });
    const r1 = await deliver("e2e-open", prPayload("opened", { head: headSha, base: baseSha }));
    expect(r1).toEqual({ status: 200, text: "ok\n" });

    const repo = stub.repo(FULL);
    expect(repo.reviews).toHaveLength(1);
    expect(repo.reviews[0]).toEqual(expect.objectContaining({ commit_id: headSha, state: "COMMENTED" }));
    const inline = repo.comments.filter((c) => c.line !== undefined);
    expect(inline).toHaveLength(1);
    expect(inline[0]).toEqual(expect.objectContaining({ path: XDEV, line: lineOf(bad[XDEV]!, "xdev_remove(xd);", 40), side: "RIGHT" }));
    expect(markersIn(inline[0]!.body)[0]!.rule).toBe("lock-across-del-gendisk");
    const run1 = repo.checkRuns.filter((c) => c.head_sha === headSha);
    expect(run1).toHaveLength(1);
    expect(run1[0]).toEqual(expect.objectContaining({ name: "lockreview", status: "completed", conclusion: "failure" }));
    expect(run1[0]!.annotations).toEqual([expect.objectContaining({ path: XDEV, annotation_level: "failure" })]);

    // The same delivery again (GitHub's "Redeliver"): nothing new.
    const again = await deliver("e2e-open", prPayload("opened", { head: headSha, base: baseSha }));
    expect(again.status).toBe(200);
    expect(repo.reviews).toHaveLength(1);

    // The author pushes a fix.
    const fixed = stub.setPullRequest(FULL, NUMBER, { base: xdevBase(), head: xdevFixed(), label: "head-2" });
    const r2 = await deliver("e2e-sync", prPayload("synchronize", { head: fixed.headSha, base: fixed.baseSha }));
    expect(r2.status).toBe(200);
    expect(repo.reviews).toHaveLength(1); // nothing new to say
    const thread = repo.threads.get(inline[0]!.id)!;
    expect(thread.isResolved).toBe(true);
    const run2 = repo.checkRuns.filter((c) => c.head_sha === fixed.headSha);
    expect(run2.map((c) => c.conclusion)).toEqual(["success"]);
    expect(run2[0]!.output!.summary).toContain("1 earlier thread(s) closed");
  });

  test("logs carry the delivery id and never the private key or the installation token", () => {
    expect(app.logs()).toContain('"id":"e2e-open"');
    expect(app.logs()).toContain('"id":"e2e-sync"');
    const keyBody = privateKey().split("\n")[1]!;
    expect(app.logs()).not.toContain(keyBody);
    expect(app.logs()).not.toContain(stub.token);
    // The stub saw the token (so it was in use) …
    expect(stub.requests.some((r) => r.auth === "token")).toBe(true);
  });
});
