// End to end with the real server: `probot run ./lib/src/app/index.js` as a
// child process, pointed at a local stub of GitHub's REST and GraphQL API
// (scripts/github-stub.mjs, 127.0.0.1, no network) through
// GHE_HOST/GHE_PROTOCOL, with webhooks signed like GitHub signs them.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { startGitHubStub, type GitHubStub } from "../../scripts/github-stub.mjs";
import { markersIn } from "../../src/app/comments.js";
import { ROOT } from "../ingest/helpers.js";
import { FULL, lineOf, NUMBER, privateKey, prPayload, XDEV, xdevBad, xdevBase, xdevFixed } from "./helpers.js";

const SECRET = "e2e-webhook-secret";
let stub: GitHubStub;
let child: ChildProcess;
let port: number;
let logs = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitFor(ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out; server output:\n${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function deliver(id: string, payload: unknown, signature?: string): Promise<{ status: number; text: string }> {
  const body = JSON.stringify(payload);
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": id,
      "x-hub-signature-256": signature ?? (await sign(SECRET, body)),
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-if-stale.mjs")], { cwd: ROOT, stdio: "inherit" });
  stub = await startGitHubStub({ token: "ghs_e2e_secret_installation_token" });
  port = await freePort();
  child = spawn(process.execPath, [join(ROOT, "node_modules", "probot", "bin", "probot.js"), "run", "./lib/src/app/index.js"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ID: "123",
      PRIVATE_KEY: privateKey(),
      WEBHOOK_SECRET: SECRET,
      // P8: the port goes through the environment, not `-p`.
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: stub.host,
      GHE_PROTOCOL: "http",
      LOG_FORMAT: "json",
      LOG_LEVEL: "debug",
      // P9: missing credentials are an error, never the setup flow.
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (logs += d));
  child.stderr!.on("data", (d) => (logs += d));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ping`)).ok);
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  await stub?.close();
  if (process.env.E2E_LOGS) console.log(logs);
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
    expect(logs).toContain('"id":"e2e-open"');
    expect(logs).toContain('"id":"e2e-sync"');
    const keyBody = privateKey().split("\n")[1]!;
    expect(logs).not.toContain(keyBody);
    expect(logs).not.toContain(stub.token);
    // The stub saw the token (so it was in use) …
    expect(stub.requests.some((r) => r.auth === "token")).toBe(true);
  });
});
