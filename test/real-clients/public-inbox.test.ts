// A real public-inbox (Debian's package) serves a thread the way lore does,
// and we review the t.mbox.gz a user downloads from it. Skips — saying why —
// when public-inbox is not installed (.ci/run apt-installs it) or will not start.
import { afterAll, describe, expect, test } from "@jest/globals";
import { createReadStream, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitMbox } from "../../src/ingest/mbox.js";
import type { Patch } from "../../src/model/patch.js";
import { ReviewSchema } from "../../src/model/review.js";
import { cli, fakeReviewer } from "../cli/helpers.js";
import { fx } from "../ingest/helpers.js";
import { createInbox, deliver, type Inbox, missingTools, serve, stopInbox } from "./helpers.js";

const missing = missingTools();
if (missing.length) console.log(`[skip] public-inbox real-client test: not installed: ${missing.join(", ")} (apt-get install public-inbox)`);

const COVER = "20250113-demo-v2-0@example.org";

/** Create an inbox, deliver the fixture series, start httpd. Throws with the reason. */
async function startInbox(srv: Inbox): Promise<void> {
  Object.assign(srv, createInbox(srv.dir));
  // Deliver each message of our fixture series as an MTA would.
  for await (const m of splitMbox(createReadStream(fx("series.mboxrd")))) deliver(srv, m.raw);
  await serve(srv);
}

// Set up before the suite is declared, so a failure can skip it (jest has no
// run-time skip): the reason is printed, the test shows as skipped.
const srv: Inbox = { dir: "", base: "", name: "test", address: "test@example.org" };
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
