// Child processes reviewing a big mailbox (LOCKREVIEW_JOBS): the compiled
// child from lib/ (built by `pretest`) must give what the in-process
// Reviewer gives, in the order the patches were given; a child that dies
// leaves its patches to the parent. And the real executable, with and
// without children, prints the same document.
import { afterAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingest, newStats, resolveInputs } from "../../src/ingest/index.js";
import type { Patch } from "../../src/model/patch.js";
import { createReviewer, type ReviewOptions } from "../../src/review/pipeline.js";
import { ReviewPool, reviewJobs } from "../../src/review/reviewPool.js";
import { ROOT } from "../ingest/helpers.js";
import { THREAD, TREE } from "../render/helpers.js";

const script = join(ROOT, "lib", "src", "review", "reviewChild.js");
const present = existsSync(script);
if (!present) console.log(`[skip] review pool: ${script} not built (npm test builds it in pretest)`);
const run = present ? describe : describe.skip;

async function patchesOf(file: string, opts: { seriesOrder?: boolean } = {}): Promise<Patch[]> {
  const out: Patch[] = [];
  for await (const ev of ingest(await resolveInputs([file], {}), { seriesOrder: !!opts.seriesOrder }, newStats())) {
    if (ev.type === "patch" && (ev.patch.kind === "patch" || ev.patch.kind === "diff")) out.push(ev.patch);
  }
  return out;
}

async function inProcess(patches: Patch[], options: ReviewOptions) {
  const r = await createReviewer(options);
  const out = [];
  for (const p of patches) out.push(await r.review(p));
  return out;
}

test("children only for a big input on two or more cores, unless LOCKREVIEW_JOBS says", () => {
  expect(reviewJobs({}, 100 << 20, 2)).toBe(1);
  expect(reviewJobs({}, 100 << 20, 4)).toBe(3);
  expect(reviewJobs({}, 100 << 20, 1)).toBe(0);
  expect(reviewJobs({}, 1 << 20, 4)).toBe(0);
  expect(reviewJobs({ LOCKREVIEW_JOBS: "0" }, 100 << 20, 4)).toBe(0);
  expect(reviewJobs({ LOCKREVIEW_JOBS: "3" }, 0, 1)).toBe(3);
});

run("review pool", () => {
  const tmp = mkdtempSync(join(tmpdir(), "lockreview-pool-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test.each([
    ["hunks only", {}],
    ["against a tree, each patch on the ones before it", { tree: TREE }],
  ] as [string, ReviewOptions][])("%s: the same results as in-process, in the order given", async (_, options) => {
    const patches = await patchesOf(THREAD, { seriesOrder: options.tree !== undefined });
    expect(patches.length).toBeGreaterThanOrEqual(3);
    const pool = ReviewPool.start(2, options, 0, script)!;
    try {
      const viaPool = await Promise.all(patches.map((p) => pool.review(p)));
      const local = await inProcess(patches, options);
      expect(viaPool).toEqual(local);
      expect(viaPool.flatMap((r) => r.report.findings).length).toBeGreaterThan(0);
    } finally {
      pool.close();
    }
  });

  test("a child that dies leaves its patches to the parent: nothing is lost", async () => {
    const dying = join(tmp, "dying-child.mjs");
    writeFileSync(dying, "process.exit(3);\n");
    const patches = await patchesOf(THREAD);
    const pool = ReviewPool.start(2, {}, 0, dying)!;
    try {
      const viaPool = await Promise.all(patches.map((p) => pool.review(p)));
      expect(viaPool).toEqual(await inProcess(patches, {}));
    } finally {
      pool.close();
    }
  });

  test("the executable prints the same JSON with children as without", () => {
    const bin = join(ROOT, "bin", "lockreview.js");
    const go = (jobs: string) => spawnSync(process.execPath, [bin, "review", "--format", "json", "--no-progress", "--fail-on", "none", THREAD], { encoding: "utf8", env: { ...process.env, LOCKREVIEW_JOBS: jobs } });
    const serial = go("0");
    const pooled = go("2");
    expect(serial.status).toBe(0);
    expect(pooled.stderr).toBe("");
    expect(pooled.stdout).toBe(serial.stdout);
    expect(JSON.parse(pooled.stdout).patches.length).toBeGreaterThanOrEqual(3);
  });
});
