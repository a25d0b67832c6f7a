// `lockreview explain`: the rule, incident and patch verdict for a report, on
// the bundled xdev example (fixtures/examples/xdev) and our own reports.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/main.js";
import { applyFileDiff } from "../../src/context/apply.js";
import { makePatch, patchFromDiff } from "../helpers/ruleTester.js";

async function cli(args: string[]) {
  let out = "";
  let err = "";
  const code = await run(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

const XDEV = "drivers/block/xdev.c";
let dir: string;
let afterPatch1: string;

beforeAll(() => {
  // The tree as it is after patch 1 of the example series (the deadlock is in).
  dir = mkdtempSync(join(tmpdir(), "lockreview-explain-"));
  cpSync("fixtures/examples/xdev/tree", join(dir, "tree"), { recursive: true });
  const base = readFileSync(join(dir, "tree", XDEV), "utf8");
  const p1 = patchFromDiff(readFileSync("fixtures/examples/xdev/series/v2-0001-xdev-remove-the-device-before-releasing-its-index.patch", "utf8"));
  const r = applyFileDiff(base, p1.files[0]);
  if (!r.ok || r.text === null) throw new Error("patch 1 does not apply");
  afterPatch1 = r.text;
  writeFileSync(join(dir, "tree", XDEV), afterPatch1);
  // A fix: the removal back outside the index mutex (patch 1 reverted).
  writeFileSync(join(dir, "fix.patch"), makePatch(XDEV, afterPatch1, base));
  // Not a fix: patch 2 of the series, about ->release.
  writeFileSync(join(dir, "other.patch"), readFileSync("fixtures/examples/xdev/series/v2-0002-xdev-wait-for-queued-I-O-on-last-close.patch"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("lockreview explain", () => {
  test("names the rule, the driver and the incidents of a circular report", async () => {
    const r = await cli(["explain", "fixtures/lockdep/xdev-circular.txt"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}chain: &disk->open_mutex --> xdev_index_mutex$/m);
    expect(r.out).toMatch(/^ {2}edge: xdev_index_mutex --> &disk->open_mutex: xdev_ctl_ioctl\(\) → xdev_delete\(\) → xdev_remove\(\) → del_gendisk\(\)$/m);
    expect(r.out).toMatch(/^ {2}rule: lock-across-del-gendisk /m);
    expect(r.out).toMatch(/^ {2}incident: loop 2021: LOOP_CTL_REMOVE held loop_ctl_mutex across del_gendisk\(\)/m);
  });

  test("a recursive report on (wq_completion) is a workqueue waiting for itself", async () => {
    const r = await cli(["explain", "--format", "json", "fixtures/lockdep/sdev-recursive-wq.txt"]);
    const doc = JSON.parse(r.out);
    expect(doc.reports[0]).toMatchObject({ rule: { id: "wq-self-flush" }, driver: "sdev" });
  });

  test("the driver comes from the frames' files, not from the most frequent prefix (software_resume() is core code)", async () => {
    const doc = JSON.parse((await cli(["explain", "--format", "json", "fixtures/lockdep/zloop-flush-open-mutex.txt"])).out);
    expect(doc.reports[0]).toMatchObject({ rule: { id: "wq-flush-under-open-mutex" }, driver: "zloop" });
    const r = await cli(["explain", "fixtures/lockdep/zloop-flush-open-mutex.txt"]);
    expect(r.out).toMatch(/^ {2}edge: &disk->open_mutex --> \(wq_completion\)zloop0: zl_release\(\) → __zl_clr_fd\(\) → destroy_workqueue\(\)$/m);
  });

  test("a flush under the driver's own lock that the work takes is wq-flush-under-lock, with its own incidents", async () => {
    const doc = JSON.parse((await cli(["explain", "--format", "json", "fixtures/lockdep/wdev-flush-own-lock.txt"])).out);
    expect(doc.reports[0]).toMatchObject({ rule: { id: "wq-flush-under-lock" }, driver: "wdev" });
    expect(doc.reports[0].incidents.map((i: { url: string }) => i.url)).toContain("https://syzkaller.appspot.com/bug?extid=63614029dfb79abd4383");
  });

  test("--patch with a fix: the patch breaks the cycle (exit 0)", async () => {
    const r = await cli(["explain", "--patch", join(dir, "fix.patch"), "--tree", join(dir, "tree"), "fixtures/lockdep/xdev-circular.txt"]);
    expect(r.out).toMatch(/^ {2}patch: This patch breaks the cycle\.$/m);
    expect(r.out).toMatch(/xdev_index_mutex --> &disk->open_mutex: gone — xdev_delete\(\) → xdev_remove\(\) → del_gendisk\(\) no longer runs with xdev_index_mutex held/);
    expect(r.code).toBe(0);
  });

  test("--patch with an unrelated patch: the cycle stays (exit 1)", async () => {
    const r = await cli(["explain", "--patch", join(dir, "other.patch"), "--tree", join(dir, "tree"), "fixtures/lockdep/xdev-circular.txt"]);
    expect(r.out).toMatch(/^ {2}patch: This patch does not break the cycle\.$/m);
    expect(r.code).toBe(1);
  });

  test("an input without a report is a usage error", async () => {
    const r = await cli(["explain", "fixtures/examples/xdev/README.md"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no lockdep report found/);
  });
});
