// `--terse` / `--format terse`: one line per finding, the shape b4's
// per-patch check commands read (`b4.prep-perpatch-check-cmd = lockreview
// review --terse -`: the patch on stdin, one line per problem, status as usual).
import { describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { terseLine } from "../../src/render/terse.js";
import { xdevRepo } from "../git/helpers.js";
import { ROOT } from "../ingest/helpers.js";
import { cli, finding } from "./helpers.js";

const SERIES = join(ROOT, "fixtures", "examples", "xdev", "series");
const PATCH1 = join(SERIES, "v2-0001-xdev-remove-the-device-before-releasing-its-index.patch");
const PATCH2 = join(SERIES, "v2-0002-xdev-wait-for-queued-I-O-on-last-close.patch");
const BIN = join(ROOT, "bin", "lockreview.js");

describe("terse lines", () => {
  test("FILE:LINE: LEVEL: rule-id: message, on one line; notes are CHECK, as checkpatch's lowest level", () => {
    expect(terseLine(finding({ message: "demo_lock is held\nacross del_gendisk()" }))).toBe(
      "drivers/block/demo_blk.c:42: ERROR: lock-across-del-gendisk: demo_lock is held across del_gendisk()",
    );
    expect(terseLine(finding({ severity: "warning" }))).toContain(": WARNING: ");
    expect(terseLine(finding({ severity: "note" }))).toContain(": CHECK: ");
    expect(terseLine(finding({ status: "existing", suppressed: "reviewed" }))).toMatch(/ \[existing\] \[suppressed: reviewed\]$/);
  });
});

describe("lockreview review --terse -", () => {
  test("a patch on stdin: one line per finding, exit 1", async () => {
    const r = await cli(["review", "--terse", "-"], { stdinData: readFileSync(PATCH2) });
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^drivers\/block\/xdev\.c:79: ERROR: wq-flush-under-open-mutex: xdev_release\(\) runs with disk->open_mutex held[^\n]*\n$/);
  });

  test("a clean patch prints nothing and exits 0", async () => {
    const clean = readFileSync(join(ROOT, "fixtures", "examples", "xdev", "clean-series", "0001-xdev-refuse-to-open-a-device-that-is-being-deleted.patch"));
    expect(await cli(["review", "--terse", "-"], { stdinData: clean })).toEqual({ code: 0, out: "", err: "" });
  });

  test("fixed findings are left out (b4 would count an ERROR: line as a failure)", async () => {
    // A revert of patch 2 removes the flush from ->release: a fix.
    const repo = xdevRepo();
    try {
      repo.am(SERIES);
      repo.git("revert", "--no-edit", "HEAD");
      const revert = repo.git("format-patch", "--stdout", "-1");
      const text = await cli(["review", "-"], { stdinData: revert });
      expect(text.out).toContain("[fixed]");
      const terse = await cli(["review", "--terse", "-"], { stdinData: revert });
      expect(terse).toEqual({ code: 0, out: "", err: "" });
    } finally {
      repo.cleanup();
    }
  });

  test("in the checkout, `check --terse --format-patch -` reviews the stdin patch with the tree", async () => {
    // Patch 1's AB-BA needs xdev_open(), outside the patch's hunks: hunks
    // alone cannot see it, the checkout can.
    const repo = xdevRepo();
    try {
      const hunks = await cli(["review", "--terse", "-"], { stdinData: readFileSync(PATCH1) });
      expect(hunks).toEqual({ code: 0, out: "", err: "" });
      const tree = await cli(["check", "-C", repo.dir, "--terse", "--format-patch", "-"], { stdinData: readFileSync(PATCH1) });
      expect(tree.code).toBe(1);
      expect(tree.out).toMatch(/^drivers\/block\/xdev\.c:53: ERROR: lock-across-del-gendisk: /);
    } finally {
      repo.cleanup();
    }
  });

  test("--terse with another --format is a usage error", async () => {
    const r = await cli(["review", "--terse", "--format", "json", PATCH1]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("lockreview: --terse and --format json do not go together\n(see 'lockreview review --help')\n");
  });

  test("the real executable, as b4 runs it (patch piped to stdin)", () => {
    const r = spawnSync(process.execPath, [BIN, "review", "--terse", "-"], { input: readFileSync(PATCH2), encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    // b4 classifies each output line by these words.
    expect(r.stdout).toContain(" ERROR: ");
  });
});
