// Two replicas of the app behind one webhook URL (issue 13): deliveries for
// the same head reach both at the same moment, and a redelivery lands on
// the other replica. With REDIS_URL they share what they handled through a
// real redis-server and post one review; the control without Redis shows
// why (both pass the API-state check and post twice).
//
// To make the race certain rather than likely, the GitHub stub holds the
// two lookups that guard against a second review — "check runs of this
// commit" and "reviews of this pull request" — until both replicas asked
// (or a timeout passed): without a shared claim both get there; with one,
// only the replica that won the claim does.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startGitHubStub, type GitHubStub } from "../../scripts/github-stub.mjs";
import { waitFor } from "../helpers/net.js";
import { redisMissing, startRedis, type RedisServer } from "../helpers/redisServer.js";
import { ROOT } from "../ingest/helpers.js";
import { startAppServer, type AppServer } from "./appServer.js";
import { FULL, prPayload, xdevBad, xdevBase } from "./helpers.js";

const LAUNCHER = join(ROOT, "bin", "lockreview-app.js");
const missing = redisMissing();
if (missing) console.log(`[skip] two replicas sharing Redis: ${missing}`);

/** Holds check-run lookups of one commit until `n` arrived, or `ms` passed. */
function barrier(n: number, ms: number) {
  const waiting: (() => void)[] = [];
  return {
    arrive(): Promise<void> {
      return new Promise((resolve) => {
        waiting.push(resolve);
        if (waiting.length >= n) waiting.splice(0).forEach((r) => r());
        else setTimeout(resolve, ms);
      });
    },
  };
}

(missing ? describe.skip : describe)("two replicas of the app", () => {
  let redis: RedisServer;
  let stub: GitHubStub;
  const gates = new Map<string, ReturnType<typeof barrier>>();
  const servers: AppServer[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-if-stale.mjs")], { cwd: ROOT, stdio: "inherit" });
    redis = await startRedis();
    stub = await startGitHubStub({
      intercept: async (req) => {
        const url = req.url ?? "";
        const m = /\/commits\/([0-9a-f]{40})\/check-runs/.exec(url) ?? /\/pulls\/(\d+)\/reviews\?/.exec(url);
        if (m && req.method === "GET") await gates.get(m[1]!)?.arrive();
        return false; // then answered as usual
      },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await stub?.close();
    await redis?.close();
  });

  async function pair(env: Record<string, string>): Promise<[AppServer, AppServer]> {
    const two = await Promise.all([startAppServer([LAUNCHER], stub.host, env, ROOT), startAppServer([LAUNCHER], stub.host, env, ROOT)]);
    servers.push(...two);
    return two as [AppServer, AppServer];
  }

  /** One PR head delivered to both replicas at once, then redelivered to the other one. */
  async function race(a: AppServer, b: AppServer, number: number, label: string, holdMs: number) {
    const { baseSha, headSha } = stub.setPullRequest(FULL, number, { base: xdevBase(), head: xdevBad(), label });
    gates.set(headSha, barrier(2, holdMs));
    gates.set(String(number), barrier(2, holdMs));
    const payload = prPayload("opened", { head: headSha, base: baseSha, number });
    const [r1, r2] = await Promise.all([a.deliver(`${label}-1`, payload), b.deliver(`${label}-2`, payload)]);
    const r3 = await b.deliver(`${label}-1`, payload);
    for (const r of [r1, r2, r3]) expect(r.status).toBe(200);
    const repo = stub.repo(FULL);
    return { reviews: repo.reviews.filter((r) => r.pull === number), checkRuns: repo.checkRuns.filter((c) => c.head_sha === headSha) };
  }

  test("with REDIS_URL: one review and one check run, however the deliveries are spread", async () => {
    const [a, b] = await pair({ REDIS_URL: redis.url });
    // Only one replica reaches the lookups: a short hold is enough.
    const { reviews, checkRuns } = await race(a, b, 11, "redis", 1000);
    expect(reviews).toHaveLength(1);
    expect(checkRuns).toHaveLength(1);
    expect(checkRuns[0]).toEqual(expect.objectContaining({ status: "completed", conclusion: "failure" }));
    // The skipping replica's log line may still be on its way through the pipe.
    const logs = () => a.logs() + b.logs();
    await waitFor(async () => /a review of this head is already running|this head was already reviewed/.test(logs()), () => "no replica skipped the head");
    await waitFor(async () => logs().includes("this delivery was already handled"), () => "the redelivery was not recognised");
  }, 60_000);

  test("the control, without Redis: each replica only knows its own deliveries, and the head is reviewed twice", async () => {
    const [a, b] = await pair({});
    // Both reach them; the hold only has to outlast a slow replica.
    const { reviews } = await race(a, b, 12, "memory", 20_000);
    expect(reviews.length).toBe(2);
  }, 60_000);
});
