// A real public-inbox (Debian's package) serves a thread the way lore does,
// and we review the t.mbox.gz a user downloads from it. Skips — saying why —
// when public-inbox is not installed (.ci/run apt-installs it) or will not start.
import { afterAll, describe, expect, test } from "@jest/globals";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitMbox } from "../../src/ingest/mbox.js";
import type { Patch } from "../../src/model/patch.js";
import { ReviewSchema } from "../../src/model/review.js";
import { cli, fakeReviewer } from "../cli/helpers.js";
import { fx } from "../ingest/helpers.js";

const TOOLS = ["public-inbox-init", "public-inbox-mda", "public-inbox-httpd", "git"];
const missing = TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
if (missing.length) console.log(`[skip] public-inbox real-client test: not installed: ${missing.join(", ")} (apt-get install public-inbox)`);

const COVER = "20250113-demo-v2-0@example.org";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

interface Server {
  dir: string;
  base: string;
  httpd?: ChildProcess;
}

/** Create an inbox, deliver the fixture series, start httpd. Throws with the reason. */
async function startInbox(srv: Server): Promise<void> {
  const env = { ...process.env, HOME: srv.dir, PI_CONFIG: join(srv.dir, "config") };
  const sh = (cmd: string, args: string[], input?: Buffer) => {
    const r = spawnSync(cmd, args, { env: { ...env, ORIGINAL_RECIPIENT: "test@example.org" }, input, encoding: "buffer" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr?.toString() || r.error?.message}`);
  };
  sh("public-inbox-init", ["-V2", "-L", "basic", "test", join(srv.dir, "inbox"), "http://127.0.0.1/test", "test@example.org"]);
  // No spamc here: deliver without a spam check.
  sh("git", ["config", "-f", join(srv.dir, "config"), "publicinboxmda.spamcheck", "none"]);
  // Deliver each message of our fixture series as an MTA would.
  for await (const m of splitMbox(createReadStream(fx("series.mboxrd")))) sh("public-inbox-mda", ["--no-precheck"], m.raw);
  const port = await freePort();
  srv.base = `http://127.0.0.1:${port}`;
  // -W0: one process, no workers, so killing it by pid stops everything.
  srv.httpd = spawn("public-inbox-httpd", ["-W0", "-l", srv.base], { env, stdio: "ignore" });
  if (!(await waitFor(`${srv.base}/test/`, 15000))) throw new Error("public-inbox-httpd did not answer within 15 s");
}

function stopInbox(srv: Server): void {
  if (srv.httpd?.pid) srv.httpd.kill("SIGTERM");
  rmSync(srv.dir, { recursive: true, force: true });
}

// Set up before the suite is declared, so a failure can skip it (jest has no
// run-time skip): the reason is printed, the test shows as skipped.
const srv: Server = { dir: "", base: "" };
let problem = missing.length ? `not installed: ${missing.join(", ")}` : "";
if (!problem) {
  srv.dir = mkdtempSync(join(tmpdir(), "lockreview-pi-"));
  try {
    await startInbox(srv);
  } catch (e) {
    problem = (e as Error).message;
    console.log(`[skip] public-inbox real-client test: ${problem}`);
    stopInbox(srv);
  }
}

(problem ? describe.skip : describe)("public-inbox serves t.mbox.gz, lockreview reviews it", () => {
  afterAll(() => stopInbox(srv));

  test("the thread's t.mbox.gz, downloaded with fetch, reviews as cover + 3 patches + a reply", async () => {
    const res = await fetch(`${srv.base}/test/${COVER}/t.mbox.gz`);
    expect(res.status).toBe(200);
    const gz = Buffer.from(await res.arrayBuffer());
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const file = join(srv.dir, "t.mbox.gz");
    writeFileSync(file, gz);

    const fake = fakeReviewer();
    const r = await cli(["review", "--format", "json", file], { createReviewer: fake.create });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const doc = ReviewSchema.parse(JSON.parse(r.out));
    expect(doc.errors).toEqual([]);
    expect(doc.patches.map((p) => p.messageId)).toEqual([
      "20250113-demo-v2-1@example.org",
      "20250113-demo-v2-2@example.org",
      "20250113-demo-v2-3@example.org",
    ]);
    const seen: Patch[] = fake.seen.patches;
    expect(seen.map((p) => p.tags.number)).toEqual([1, 2, 3]);
    // public-inbox wrote mboxrd (">From " quoting); we read the line back as sent.
    expect(seen[0]!.body).toContain("\nFrom here on the reset is synchronous");
    expect(seen[0]!.files[0]!.hunks[0]!.changes.find((c) => c.kind === "add")).toMatchObject({ content: "\tif (--d->users == 0)", newLine: 35 });
    expect(new Set(seen.map((p) => p.seriesKey))).toEqual(new Set(["alice@example.org|demo_blk: workqueue fixes"]));

    // And the text form names the cover letter and reply as not reviewed.
    const t = await cli(["review", file], { createReviewer: fake.create });
    expect(t.out).toContain("not reviewed: 1 cover letter, 1 reply (of 5 messages read)");
  });
});
